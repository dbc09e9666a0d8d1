// user/lib/vdso_parse.h -- finding functions in a vDSO by name and version (C and C++).
//
// The kernel maps a small ELF shared object into every process and passes its address in
// the auxiliary vector as AT_SYSINFO_EHDR (33). Finding a function in it is a miniature of
// what the dynamic linker does for any shared library:
//
//   ELF header -> program headers -> PT_LOAD (where the bytes are) and PT_DYNAMIC
//   PT_DYNAMIC -> DT_SYMTAB, DT_STRTAB (the symbols and their names)
//                 DT_GNU_HASH or DT_HASH (a hash table: name -> symbol index)
//                 DT_VERSYM, DT_VERDEF  (each symbol's version: "LINUX_2.6")
//   lookup: hash the name, walk that bucket's chain comparing names, check the version,
//           and the symbol's value (an address relative to the image) gives the function.
//
// Compare Linux's tools/testing/selftests/vDSO/parse_vdso.c and Go's runtime/vdso_linux.go,
// which do the same. Unlike those, every offset and index read from the image here is
// checked against the image's size first: a damaged image yields "not found", never a
// crash (the fuzz test in tests/vdso/ holds us to that).
//
//   struct vdso_info vdso;
//   if (vdso_parse_auxv(&vdso)) {
//     void* f = vdso_lookup(&vdso, "LINUX_2.6", "__vdso_clock_gettime");
//     ...
//   }
//
// Uses no library functions, so it works before libc is set up, in a freestanding build
// and on a Linux host alike.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// What vdso_parse found. Offsets are from `image` and already checked to lie inside it;
// 0 means "absent" (offset 0 is the ELF header, which none of these can be).
struct vdso_info {
  const unsigned char* image;  // the ELF header: the image's first byte
  size_t size;                 // bytes that may be read from `image`
  size_t phoff;                // program headers
  unsigned phnum;
  size_t symtab;               // DT_SYMTAB: Elf64_Sym[]
  size_t nsyms;                // symbols the tables may index (bounded by the image)
  size_t strtab;               // DT_STRTAB
  size_t strsz;                // DT_STRSZ (or what is left of the image)
  size_t hash;                 // DT_HASH: the SysV hash table
  size_t gnu_hash;             // DT_GNU_HASH: GNU's hash table (preferred when present)
  size_t versym;               // DT_VERSYM: one uint16 version index per symbol
  size_t verdef;               // DT_VERDEF: the version definitions
};

// Parses the image at `image`, of which `size` bytes may be read (a file's bytes, or a
// mapped vDSO). 1 if it is a usable ELF64 little-endian shared object with a symbol table
// and a hash table, else 0 (and *info is zeroed).
int vdso_parse(struct vdso_info* info, const void* image, size_t size);

// The vDSO this process got: AT_SYSINFO_EHDR through getauxval(). Its size is found from
// its own program headers (read from its first page, which is always mapped). 1 if there
// is one and it parses, else 0.
int vdso_parse_auxv(struct vdso_info* info);

// The address of function `name` defined at version `version` (e.g. "LINUX_2.6"), or NULL.
// version NULL: any version. An image without version tables matches any version (as
// Linux's parse_vdso does). The address is inside the image: callable when the image is
// a mapped vDSO; for a file's bytes, subtract info->image to get the file offset.
void* vdso_lookup(const struct vdso_info* info, const char* version, const char* name);

// Test hook: look up through the SysV table even when a GNU table is present (to test both).
void* vdso_lookup_sysv(const struct vdso_info* info, const char* version, const char* name);

#ifdef __cplusplus
}
#endif

// user/lib/vdso_parse.cpp -- see vdso_parse.h.
//
// The one rule of this file: never trust a number read from the image. Every offset, size
// and index goes through in_image() before anything is read at it, chains are walked at
// most as many steps as the image could hold, and a failed check means "not found".
#include "vdso_parse.h"

extern "C" unsigned long getauxval(unsigned long type);  // start.cpp here; glibc on Linux

namespace {

// ---- The ELF64 structures we read (the System V gABI; <elf.h> has them as Elf64_*) ----------
struct ElfHeader {  // Elf64_Ehdr
  unsigned char e_ident[16];
  uint16_t e_type, e_machine;
  uint32_t e_version;
  uint64_t e_entry, e_phoff, e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct ProgramHeader {  // Elf64_Phdr
  uint32_t p_type, p_flags;
  uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};
struct Dyn {  // Elf64_Dyn
  int64_t d_tag;
  uint64_t d_val;
};
struct Symbol {  // Elf64_Sym
  uint32_t st_name;
  unsigned char st_info, st_other;
  uint16_t st_shndx;
  uint64_t st_value, st_size;
};
struct Verdef {  // Elf64_Verdef: one version definition, a linked list by vd_next
  uint16_t vd_version, vd_flags, vd_ndx, vd_cnt;
  uint32_t vd_hash, vd_aux, vd_next;
};
struct Verdaux {  // Elf64_Verdaux: the version's name (the first one is the definition's own)
  uint32_t vda_name, vda_next;
};
static_assert(sizeof(ElfHeader) == 64 && sizeof(ProgramHeader) == 56 && sizeof(Dyn) == 16 &&
              sizeof(Symbol) == 24 && sizeof(Verdef) == 20 && sizeof(Verdaux) == 8);

constexpr unsigned char kElfClass64 = 2, kElfData2Lsb = 1;
constexpr uint16_t kEtDyn = 3;
constexpr uint32_t kPtLoad = 1, kPtDynamic = 2;
constexpr int64_t kDtNull = 0, kDtHash = 4, kDtStrtab = 5, kDtSymtab = 6, kDtStrsz = 10,
                  kDtSyment = 11, kDtGnuHash = 0x6ffffef5, kDtVersym = 0x6ffffff0,
                  kDtVerdef = 0x6ffffffc;
constexpr unsigned char kSttFunc = 2, kStbGlobal = 1, kStbWeak = 2;
constexpr uint16_t kShnUndef = 0, kVerFlagBase = 1, kVersymHidden = 0x8000;
// The first page of a mapped vDSO is always there: room for the ELF and program headers.
constexpr size_t kFirstPage = 4096;
// No vDSO is this big (Linux's are 2 pages); a larger claimed size is damage.
constexpr size_t kMaxImage = 1 << 20;

// Is [off, off + len) inside an image of `size` bytes? ("Both tests needed, in case of
// overflow": off + len itself could wrap around.)
bool in_image(size_t size, uint64_t off, uint64_t len) { return off <= size && len <= size - off; }

// Copies a T out of the image at `off` if it lies inside: byte by byte, so an unaligned
// offset in a damaged image is harmless too.
template <typename T>
bool read(const unsigned char* image, size_t size, uint64_t off, T* out) {
  if (!in_image(size, off, sizeof(T))) return false;
  unsigned char* dst = reinterpret_cast<unsigned char*>(out);
  for (size_t i = 0; i < sizeof(T); i++) dst[i] = image[off + i];
  return true;
}
template <typename T>
bool read(const vdso_info* info, uint64_t off, T* out) {
  return read(info->image, info->size, off, out);
}

// A virtual address (what the dynamic section and symbols hold) -> the offset of its bytes
// in the image: through the PT_LOAD that contains it (len bytes of it, all in the file).
bool vaddr_to_offset(const vdso_info* info, uint64_t vaddr, uint64_t len, uint64_t* off) {
  for (unsigned i = 0; i < info->phnum; i++) {
    ProgramHeader ph;
    if (!read(info, info->phoff + uint64_t(i) * sizeof ph, &ph) || ph.p_type != kPtLoad) continue;
    if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz) continue;
    uint64_t in_segment = vaddr - ph.p_vaddr;
    if (len > ph.p_filesz - in_segment) return false;  // runs off the segment's end
    uint64_t o = ph.p_offset + in_segment;
    if (o < ph.p_offset || !in_image(info->size, o, len)) return false;
    *off = o;
    return true;
  }
  return false;
}

// Does the NUL-terminated string at `off` in the string table equal `want`? Never reads
// past the table or the image.
bool string_equals(const vdso_info* info, uint64_t name, const char* want) {
  if (name >= info->strsz) return false;
  uint64_t off = info->strtab + name, left = info->strsz - name;
  for (uint64_t i = 0;; i++) {
    if (i >= left) return false;  // no NUL inside the table
    unsigned char c = info->image[off + i];
    if (c != static_cast<unsigned char>(want[i])) return false;
    if (c == 0) return true;
  }
}

// The classic SysV ELF hash (the gABI's elf_hash) and GNU's (Bernstein's djb2).
uint32_t sysv_hash(const char* name) {
  uint32_t h = 0;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(name); *p; p++) {
    h = (h << 4) + *p;
    uint32_t g = h & 0xf0000000;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}
uint32_t gnu_hash(const char* name) {
  uint32_t h = 5381;
  for (const unsigned char* p = reinterpret_cast<const unsigned char*>(name); *p; p++)
    h = h * 33 + *p;
  return h;
}

// Is symbol `index` defined at version `version`? The symbol's entry in DT_VERSYM names a
// version definition by its index (vd_ndx); that definition's first Verdaux holds its name.
bool version_matches(const vdso_info* info, uint64_t index, const char* version) {
  if (!version || !info->versym || !info->verdef) return true;  // nothing to check against
  uint16_t ndx;
  if (!read(info, info->versym + index * 2, &ndx)) return false;
  ndx &= ~kVersymHidden;  // "hidden": not the default version, still this one
  uint64_t off = info->verdef;
  // Each step moves forward by vd_next > 0, so this ends within the image.
  for (;;) {
    Verdef vd;
    if (!read(info, off, &vd)) return false;
    if (vd.vd_ndx == ndx && !(vd.vd_flags & kVerFlagBase)) {
      Verdaux aux;
      return read(info, off + vd.vd_aux, &aux) && string_equals(info, aux.vda_name, version);
    }
    if (vd.vd_next == 0) return false;
    off += vd.vd_next;
  }
}

// The function symbol `index` if it is `name` at `version`: its address, else nullptr.
void* match_symbol(const vdso_info* info, uint64_t index, const char* version, const char* name) {
  if (index >= info->nsyms) return nullptr;
  Symbol sym;
  if (!read(info, info->symtab + index * sizeof sym, &sym)) return nullptr;
  unsigned type = sym.st_info & 0xf, bind = sym.st_info >> 4;
  if (type != kSttFunc || (bind != kStbGlobal && bind != kStbWeak) || sym.st_shndx == kShnUndef)
    return nullptr;
  if (!string_equals(info, sym.st_name, name) || !version_matches(info, index, version))
    return nullptr;
  uint64_t off;
  // At least one byte of code must be there (a function of size 0 is still an address).
  if (!vaddr_to_offset(info, sym.st_value, 1, &off)) return nullptr;
  return const_cast<unsigned char*>(info->image + off);
}

// GNU hash table: nbuckets, symoffset, bloom_size, bloom_shift, then bloom_size 64-bit bloom
// words, nbuckets bucket words, and one chain word per symbol from symoffset on. A chain
// word is the symbol's hash with bit 0 replaced by "last in this bucket".
void* lookup_gnu(const vdso_info* info, const char* version, const char* name) {
  uint32_t header[4];
  if (!read(info, info->gnu_hash, &header)) return nullptr;
  const uint32_t nbuckets = header[0], symoffset = header[1], bloom_size = header[2];
  if (nbuckets == 0) return nullptr;
  const uint64_t buckets = info->gnu_hash + 16 + uint64_t(bloom_size) * 8;
  const uint64_t chains = buckets + uint64_t(nbuckets) * 4;
  const uint32_t h = gnu_hash(name);
  uint32_t index;
  if (!read(info, buckets + uint64_t(h % nbuckets) * 4, &index)) return nullptr;
  if (index == 0 || index < symoffset) return nullptr;  // empty bucket
  // One step per symbol, and `index` only grows: bounded by nsyms.
  for (; index < info->nsyms; index++) {
    uint32_t chain;
    if (!read(info, chains + uint64_t(index - symoffset) * 4, &chain)) return nullptr;
    if ((chain | 1) == (h | 1)) {
      if (void* found = match_symbol(info, index, version, name)) return found;
    }
    if (chain & 1) return nullptr;  // the bucket's last symbol
  }
  return nullptr;
}

// SysV hash table: nbucket, nchain, bucket[nbucket], chain[nchain]; chain[i] is the next
// symbol in i's bucket, 0 ends it. A damaged chain can loop: at most nchain steps.
void* lookup_sysv(const vdso_info* info, const char* version, const char* name) {
  uint32_t header[2];
  if (!read(info, info->hash, &header)) return nullptr;
  const uint32_t nbucket = header[0], nchain = header[1];
  if (nbucket == 0) return nullptr;
  const uint64_t bucket = info->hash + 8, chain = bucket + uint64_t(nbucket) * 4;
  uint32_t index;
  if (!read(info, bucket + uint64_t(sysv_hash(name) % nbucket) * 4, &index)) return nullptr;
  for (uint32_t steps = 0; index != 0 && steps < nchain; steps++) {
    if (void* found = match_symbol(info, index, version, name)) return found;
    if (!read(info, chain + uint64_t(index) * 4, &index)) return nullptr;
  }
  return nullptr;
}

// Turns a DT_* address into an image offset (0: absent or outside the image).
uint64_t table_offset(const vdso_info* info, uint64_t vaddr, uint64_t len) {
  uint64_t off;
  return vaddr_to_offset(info, vaddr, len, &off) ? off : 0;
}

bool parse(vdso_info* info, const unsigned char* image, size_t size) {
  *info = vdso_info{};
  info->image = image;
  info->size = size;
  ElfHeader eh;
  if (!image || !read(info, 0, &eh)) return false;
  if (eh.e_ident[0] != 0x7f || eh.e_ident[1] != 'E' || eh.e_ident[2] != 'L' ||
      eh.e_ident[3] != 'F' || eh.e_ident[4] != kElfClass64 || eh.e_ident[5] != kElfData2Lsb ||
      eh.e_type != kEtDyn || eh.e_phentsize != sizeof(ProgramHeader) || eh.e_phnum == 0)
    return false;
  if (!in_image(size, eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(ProgramHeader))) return false;
  info->phoff = eh.e_phoff;
  info->phnum = eh.e_phnum;

  // The dynamic section: where the loader would find it, through PT_LOAD.
  uint64_t dynamic = 0, dynamic_size = 0;
  for (unsigned i = 0; i < info->phnum; i++) {
    ProgramHeader ph;
    if (read(info, info->phoff + uint64_t(i) * sizeof ph, &ph) && ph.p_type == kPtDynamic &&
        vaddr_to_offset(info, ph.p_vaddr, ph.p_filesz, &dynamic))
      dynamic_size = ph.p_filesz;
  }
  if (!dynamic_size) return false;

  uint64_t symtab = 0, strtab = 0, strsz = 0, hash = 0, gnu = 0, versym = 0, verdef = 0;
  for (uint64_t off = dynamic; off + sizeof(Dyn) <= dynamic + dynamic_size; off += sizeof(Dyn)) {
    Dyn d;
    if (!read(info, off, &d) || d.d_tag == kDtNull) break;
    switch (d.d_tag) {
      case kDtSymtab: symtab = table_offset(info, d.d_val, sizeof(Symbol)); break;
      case kDtStrtab: strtab = table_offset(info, d.d_val, 1); break;
      case kDtStrsz: strsz = d.d_val; break;
      case kDtSyment: if (d.d_val != sizeof(Symbol)) return false; break;
      case kDtHash: hash = table_offset(info, d.d_val, 8); break;
      case kDtGnuHash: gnu = table_offset(info, d.d_val, 16); break;
      case kDtVersym: versym = table_offset(info, d.d_val, 2); break;
      case kDtVerdef: verdef = table_offset(info, d.d_val, sizeof(Verdef)); break;
      default: break;
    }
  }
  if (!symtab || !strtab || (!hash && !gnu)) return false;
  info->symtab = symtab;
  info->strtab = strtab;
  // The string table ends at DT_STRSZ, or at the image's end if that is sooner (or absent).
  info->strsz = strsz && strsz <= size - strtab ? strsz : size - strtab;
  info->hash = hash;
  info->gnu_hash = gnu;
  info->versym = versym;
  info->verdef = verdef;
  // How many symbols can there be? The SysV table says (nchain); otherwise as many as fit
  // in the image after DT_SYMTAB. Either way every read is checked again.
  uint64_t fit = (size - symtab) / sizeof(Symbol);
  uint32_t sysv_header[2];
  info->nsyms = hash && read(info, hash, &sysv_header) && sysv_header[1] < fit ? sysv_header[1] : fit;
  return true;
}

}  // namespace

extern "C" {

int vdso_parse(struct vdso_info* info, const void* image, size_t size) {
  if (parse(info, static_cast<const unsigned char*>(image), size)) return 1;
  *info = vdso_info{};
  return 0;
}

int vdso_parse_auxv(struct vdso_info* info) {
  *info = vdso_info{};
  const unsigned char* image = reinterpret_cast<const unsigned char*>(getauxval(33));  // AT_SYSINFO_EHDR
  if (!image) return 0;  // no vDSO (Handoff booted with vdso=off)
  // Only the first page is known to be mapped: the headers must be in it. The image
  // extends to the end of its furthest PT_LOAD's file bytes.
  ElfHeader eh;
  if (!read(image, kFirstPage, 0, &eh) || eh.e_phentsize != sizeof(ProgramHeader) ||
      !in_image(kFirstPage, eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(ProgramHeader)))
    return 0;
  uint64_t size = 0;
  for (unsigned i = 0; i < eh.e_phnum; i++) {
    ProgramHeader ph;
    if (!read(image, kFirstPage, eh.e_phoff + uint64_t(i) * sizeof ph, &ph) || ph.p_type != kPtLoad)
      continue;
    if (ph.p_offset > kMaxImage || ph.p_filesz > kMaxImage) return 0;
    if (ph.p_offset + ph.p_filesz > size) size = ph.p_offset + ph.p_filesz;
  }
  return vdso_parse(info, image, size);
}

void* vdso_lookup(const struct vdso_info* info, const char* version, const char* name) {
  if (!info || !info->image || !name) return nullptr;
  return info->gnu_hash ? lookup_gnu(info, version, name) : lookup_sysv(info, version, name);
}

void* vdso_lookup_sysv(const struct vdso_info* info, const char* version, const char* name) {
  if (!info || !info->image || !name || !info->hash) return nullptr;
  return lookup_sysv(info, version, name);
}

}  // extern "C"

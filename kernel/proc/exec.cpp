// kernel/proc/exec.cpp - execve: replace the current program.
//
// Everything that can fail happens on the side, in a fresh address space:
// load the ELF file, build the initial stack. Only then is the process
// switched over, so a failed execve returns an error to a process that is
// exactly as it was (Linux's "point of no return" in begin_new_exec).
#include "kernel/fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/proc/elf.h"
#include "kernel/proc/process.h"
#include "kernel/vdso/vdso.h"

int process_exec(TrapFrame* frame, const char* path, int argc, const char* const* argv, int envc,
                 const char* const* envp) {
    const uint8_t* file;
    size_t size;
    if (int err = vfs_file_data(path, &file, &size)) return err;

    AddressSpace* mm = AddressSpace::create();
    if (!mm) return -ENOMEM;
    ElfImage image;
    uintptr_t sp;
    int err = elf_load(mm, file, size, &image);
    if (!err) err = vdso_map(mm, &image.vdso_base);  // 0 and no vDSO with vdso=off
    if (!err) err = build_user_stack(mm, argc, argv, envc, envp, image, &sp, path);
    if (err) {
        mm->put();
        return err;
    }
    mm->set_brk_base(image.brk_base);

    // The point of no return: switch the process to its new program.
    Process* process = current_process();
    Thread* self = current_thread();
    AddressSpace* old = process->mm;
    process->mm = mm;
    mm->activate();
    if (old) old->put();
    strlcpy(process->name, path, sizeof process->name);
    strlcpy(self->name, path, sizeof self->name);
    if (process->files) process->files->close_on_exec();
    self->clear_child_tid = 0;
    arch::init_user_cpu_state(&self->user_state);
    arch::load_user_cpu_state(&self->user_state);
    arch::init_user_frame(frame, image.entry, sp);
    // A vfork parent may run again: we no longer borrow its memory.
    if (!process->vfork_released) {
        process->vfork_released = true;
        process->vfork_done.wake_all();
    }
    return 0;
}

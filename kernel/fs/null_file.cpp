// kernel/fs/null_file.cpp - /dev/null: reads find nothing, writes vanish.
// Linux's read_null/write_null/null_lseek in drivers/char/mem.c.
#include "kernel/fs/devices.h"

namespace {

class NullFile final : public File {
public:
    long read(const UserBuffer&, uint64_t*) override { return 0; }  // always end of file
    // Everything is "written", without even looking at the user's bytes.
    long write(const UserBuffer& buf, uint64_t*) override { return long(buf.size); }
    long lseek(uint64_t* offset, int64_t, int) override {
        *offset = 0;  // any seek succeeds and lands at 0
        return 0;
    }
};

}  // namespace

File* null_open() {
    File* file = new NullFile;
    if (file) file->seekable = true;
    return file;
}

// kernel/fs/disk_files.cpp - see disk_files.h.
#include "kernel/fs/disk_files.h"

#include "kernel/errno.h"
#include "kernel/lib/format.h"
#include "kernel/lib/string.h"
#include "kernel/mm/page_alloc.h"
#include "kernel/uapi/handoff.h"

namespace {

// One file: where it lies on the disk.
struct DiskFileInfo {
    const char* name;
    uint64_t start;  // byte offset on the disk
    uint64_t size;
};

constexpr const char* kDataNames[kHandoffDiskFiles] = {
    "data0", "data1", "data2",  "data3",  "data4",  "data5",  "data6",  "data7",
    "data8", "data9", "data10", "data11", "data12", "data13", "data14", "data15"};
DiskFileInfo g_files[kHandoffDiskFiles + 1];  // the data files, then "slow"
BlockDevice* g_disk = nullptr;

// The smallest buddy order whose block holds `bytes`.
unsigned order_for(size_t bytes) {
    unsigned order = 0;
    while ((kPageSize << order) < bytes) order++;
    return order;
}

class DiskFile final : public File {
public:
    explicit DiskFile(const DiskFileInfo* info) : info_(info) {}

    long read(const UserBuffer& buf, uint64_t* offset) override;
    long lseek(uint64_t* offset, int64_t delta, int whence) override {
        return generic_lseek(offset, delta, whence, info_->size);
    }

private:
    const DiskFileInfo* info_;
};

long DiskFile::read(const UserBuffer& buf, uint64_t* offset) {
    uint64_t pos = *offset;
    if (pos >= info_->size) return 0;  // at or past the end: EOF
    size_t n = info_->size - pos < buf.size ? size_t(info_->size - pos) : buf.size;
    if (n == 0) return 0;

    // A kernel buffer for one request: the device writes whole sectors into
    // it (a real disk would DMA into it), then we copy the asked-for bytes
    // out. Sized for the largest request this read makes.
    constexpr size_t kSector = BlockDevice::kSectorSize;
    size_t max_request = g_disk->max_request_sectors() * kSector;
    size_t skip = size_t((info_->start + pos) % kSector);
    size_t biggest = skip + n < max_request ? (skip + n + kSector - 1) / kSector * kSector : max_request;
    unsigned order = order_for(biggest);
    uintptr_t page = page_allocator().alloc_pages(order);
    if (!page) return -ENOMEM;
    auto* bounce = static_cast<uint8_t*>(page_allocator().to_virt(page));

    size_t done = 0;
    long result = 0;
    while (done < n) {
        uint64_t disk_pos = info_->start + pos + done;
        skip = size_t(disk_pos % kSector);
        size_t want = n - done < max_request - skip ? n - done : max_request - skip;
        size_t sectors = (skip + want + kSector - 1) / kSector;
        // Blocks this thread for the device's latency.
        if (int error = g_disk->read(disk_pos / kSector, sectors, bounce)) {
            result = error;
            break;
        }
        if (int error = buf.write(done, bounce + skip, want)) {
            result = error;
            break;
        }
        done += want;
    }
    page_allocator().free_pages(page, order);
    // Data already copied counts, even if a later request failed (Linux's
    // read returns the bytes it got before an error).
    if (done == 0) return result;
    *offset = pos + done;
    return long(done);
}

File* disk_file_open(Inode* node, int, int* error) {
    File* file = new DiskFile(static_cast<const DiskFileInfo*>(node->private_data));
    if (!file) {
        *error = -ENOMEM;
        return nullptr;
    }
    file->seekable = true;
    return file;
}

const InodeOps kDiskFileOps = {disk_file_open, nullptr};

}  // namespace

bool disk_files_add(FsTree& tree, Inode* root, BlockDevice* disk) {
    g_disk = disk;
    Inode* dir = tree.find_or_add_dir(root, "disk", 4);
    if (!dir) return false;
    for (unsigned i = 0; i <= kHandoffDiskFiles; i++) {
        DiskFileInfo& info = g_files[i];
        info.name = i < kHandoffDiskFiles ? kDataNames[i] : "slow";
        info.start = i * kHandoffDiskFileBytes;
        info.size = i < kHandoffDiskFiles ? kHandoffDiskFileBytes : kHandoffDiskSlowBytes;
        Inode* node = tree.add(dir, info.name, strlen(info.name), kModeRegular | 0444);
        if (!node) return false;
        node->size = info.size;
        node->ops = &kDiskFileOps;
        node->private_data = &info;
    }
    return true;
}

BlockDevice* disk_files_device() { return g_disk; }

size_t disk_files_describe(char* buf, size_t size) {
    if (!g_disk) return size_t(ksnprintf(buf, size, "device:\tnone\n"));
    BlockDeviceStats s = g_disk->stats();
    int len = ksnprintf(buf, size,
                        "device:\t%s\nsectors:\t%lu\nqueue_depth:\t%lu\nrequests:\t%lu\n"
                        "completed:\t%lu\nin_flight:\t%lu\nmax_in_flight:\t%lu\nqueued:\t%lu\n"
                        "queue_waits:\t%lu\nrounds:\t%lu\nbusy_ns:\t%lu\nservice_ns:\t%lu\n"
                        "bytes_read:\t%lu\n",
                        g_disk->name(), g_disk->sector_count(), s.queue_depth, s.requests, s.completed,
                        s.in_flight, s.max_in_flight, s.queued, s.queue_waits, s.rounds, s.busy_ns, s.service_ns,
                        s.bytes_read);
    return len < 0 ? 0 : size_t(len) < size ? size_t(len) : size - 1;
}

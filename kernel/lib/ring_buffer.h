// kernel/lib/ring_buffer.h - a fixed-capacity ring of bytes.
//
// The console's input queue and pipes both need "bytes go in at one end, come
// out at the other, in order, in a fixed amount of memory". Two counters do
// it: `head_` counts bytes ever popped, `tail_` bytes ever pushed. They only
// grow; tail_ - head_ is the fill level and `counter % Capacity` the slot. With
// a power-of-two Capacity the modulo is a mask, and the unsigned subtraction
// stays right even when the counters wrap around. xv6's pipe.c uses the same
// pair (nread, nwrite); Linux's include/linux/kfifo.h is the general version.
//
// Concurrency: safe without a lock for one producer and one consumer (SPSC),
// e.g. an interrupt handler pushing and a thread popping. The producer writes
// the bytes, then publishes them by a release store of tail_; the consumer
// reads tail_ with acquire before reading the bytes (and symmetrically for
// head_ and free space). With several producers or consumers, callers must
// hold a lock around push/pop, and clear() always needs one.
#pragma once

#include <stddef.h>
#include <stdint.h>


template <size_t Capacity>
class RingBuffer {
    static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0,
                  "Capacity must be a power of two (slots are counter & (Capacity - 1))");

public:
    constexpr RingBuffer() = default;
    RingBuffer(const RingBuffer&) = delete;
    RingBuffer& operator=(const RingBuffer&) = delete;

    static constexpr size_t capacity() { return Capacity; }

    // Bytes stored now. In SPSC use it is exact for the side that calls it,
    // up to what the other side does meanwhile. head_ is read first: it never
    // passes tail_, so the difference cannot go negative (wrap around).
    size_t size() const {
        size_t head = __atomic_load_n(&head_, __ATOMIC_ACQUIRE);
        return __atomic_load_n(&tail_, __ATOMIC_ACQUIRE) - head;
    }
    size_t free_space() const { return Capacity - size(); }
    bool empty() const { return size() == 0; }
    bool full() const { return size() == Capacity; }

    // Producer side. Appends one byte; false if the ring is full.
    bool push(uint8_t byte) { return push(&byte, 1) == 1; }

    // Producer side. Appends as many of the n bytes as fit and returns how
    // many that was (0 when full): like a non-blocking write().
    size_t push(const void* data, size_t n) {
        size_t tail = __atomic_load_n(&tail_, __ATOMIC_RELAXED);  // only we write it
        size_t head = __atomic_load_n(&head_, __ATOMIC_ACQUIRE);  // consumer's progress
        size_t room = Capacity - (tail - head);
        if (n > room) n = room;
        auto* src = static_cast<const uint8_t*>(data);
        for (size_t i = 0; i < n; i++) bytes_[(tail + i) & kMask] = src[i];
        __atomic_store_n(&tail_, tail + n, __ATOMIC_RELEASE);  // publish the bytes
        return n;
    }

    // Consumer side. Takes the oldest byte; false if the ring is empty.
    bool pop(uint8_t* byte) { return pop(byte, 1) == 1; }

    // Consumer side. Takes up to n bytes and returns how many it took (0 when
    // empty): like a non-blocking read().
    size_t pop(void* data, size_t n) {
        size_t head = __atomic_load_n(&head_, __ATOMIC_RELAXED);  // only we write it
        size_t tail = __atomic_load_n(&tail_, __ATOMIC_ACQUIRE);  // producer's bytes
        size_t avail = tail - head;
        if (n > avail) n = avail;
        auto* dst = static_cast<uint8_t*>(data);
        for (size_t i = 0; i < n; i++) dst[i] = bytes_[(head + i) & kMask];
        __atomic_store_n(&head_, head + n, __ATOMIC_RELEASE);  // slots free again
        return n;
    }

    // Drops everything. Not SPSC-safe: call with both sides stopped or locked.
    void clear() { __atomic_store_n(&head_, __atomic_load_n(&tail_, __ATOMIC_RELAXED), __ATOMIC_RELEASE); }

private:
    static constexpr size_t kMask = Capacity - 1;

    uint8_t bytes_[Capacity] = {};
    // Accessed only through __atomic builtins (the kernel cannot use
    // <atomic>: the host compiler's header drags in glibc's <errno.h>).
    size_t head_ = 0;  // bytes ever popped (written by the consumer)
    size_t tail_ = 0;  // bytes ever pushed (written by the producer)
};

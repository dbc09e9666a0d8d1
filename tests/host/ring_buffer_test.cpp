// tests/host/ring_buffer_test.cpp - kernel/lib/ring_buffer.h.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "kernel/lib/ring_buffer.h"

namespace {

TEST(RingBuffer, StartsEmpty) {
    RingBuffer<16> ring;
    EXPECT_EQ(ring.capacity(), 16u);
    EXPECT_EQ(ring.size(), 0u);
    EXPECT_TRUE(ring.empty());
    EXPECT_FALSE(ring.full());
    EXPECT_EQ(ring.free_space(), 16u);
    uint8_t byte = 0;
    EXPECT_FALSE(ring.pop(&byte));
}

TEST(RingBuffer, BytesComeOutInOrder) {
    RingBuffer<8> ring;
    for (uint8_t i = 1; i <= 5; i++) EXPECT_TRUE(ring.push(i));
    EXPECT_EQ(ring.size(), 5u);
    for (uint8_t i = 1; i <= 5; i++) {
        uint8_t byte = 0;
        ASSERT_TRUE(ring.pop(&byte));
        EXPECT_EQ(byte, i);
    }
    EXPECT_TRUE(ring.empty());
}

TEST(RingBuffer, FullRejectsMore) {
    RingBuffer<4> ring;
    for (uint8_t i = 0; i < 4; i++) EXPECT_TRUE(ring.push(i));
    EXPECT_TRUE(ring.full());
    EXPECT_FALSE(ring.push(99));
    EXPECT_EQ(ring.size(), 4u);
    uint8_t byte;
    ASSERT_TRUE(ring.pop(&byte));
    EXPECT_EQ(byte, 0);
    EXPECT_TRUE(ring.push(42));  // room again
    std::vector<uint8_t> rest(4);
    EXPECT_EQ(ring.pop(rest.data(), 4), 4u);
    EXPECT_EQ(rest, (std::vector<uint8_t>{1, 2, 3, 42}));
}

TEST(RingBuffer, PartialPushAndPopLikeNonBlockingIo) {
    RingBuffer<8> ring;
    const uint8_t data[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    EXPECT_EQ(ring.push(data, 12), 8u);  // only 8 fit
    EXPECT_EQ(ring.push(data, 1), 0u);
    uint8_t out[12] = {};
    EXPECT_EQ(ring.pop(out, 3), 3u);
    EXPECT_EQ(ring.push(data + 8, 4), 3u);  // 3 slots free
    EXPECT_EQ(ring.pop(out + 3, 100), 8u);  // asks for more than there is
    for (int i = 0; i < 11; i++) EXPECT_EQ(out[i], i) << i;
    EXPECT_EQ(ring.pop(out, 1), 0u);
}

TEST(RingBuffer, WrapsAroundManyTimes) {
    RingBuffer<16> ring;
    uint8_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; round++) {
        // Uneven amounts so the wrap point moves around the array.
        int n_in = 1 + round % 13, n_out = 1 + (round * 7) % 11;
        for (int i = 0; i < n_in; i++) {
            if (ring.push(next_in)) next_in++;
        }
        for (int i = 0; i < n_out; i++) {
            uint8_t byte;
            if (!ring.pop(&byte)) break;
            ASSERT_EQ(byte, next_out++);
        }
        ASSERT_EQ(ring.size(), uint8_t(next_in - next_out));
    }
}

TEST(RingBuffer, Clear) {
    RingBuffer<8> ring;
    ring.push(1);
    ring.push(2);
    ring.clear();
    EXPECT_TRUE(ring.empty());
    EXPECT_EQ(ring.free_space(), 8u);
    EXPECT_TRUE(ring.push(3));
    uint8_t byte;
    ASSERT_TRUE(ring.pop(&byte));
    EXPECT_EQ(byte, 3);
}

// One producer thread and one consumer thread, no lock: every byte arrives,
// in order (the SPSC promise the console and pipes rely on).
TEST(RingBuffer, OneProducerOneConsumerThread) {
    static RingBuffer<64> ring;
    constexpr uint32_t kBytes = 1 << 20;
    std::thread producer([] {
        uint32_t sent = 0;
        while (sent < kBytes) {
            uint8_t chunk[7];
            for (int i = 0; i < 7; i++) chunk[i] = uint8_t((sent + i) * 31);
            size_t n = ring.push(chunk, sent + 7 <= kBytes ? 7 : kBytes - sent);
            sent += uint32_t(n);
            if (n == 0) std::this_thread::yield();
        }
    });
    uint32_t received = 0;
    bool in_order = true;
    while (received < kBytes) {
        uint8_t chunk[5];
        size_t n = ring.pop(chunk, 5);
        for (size_t i = 0; i < n; i++) in_order &= chunk[i] == uint8_t((received + i) * 31);
        received += uint32_t(n);
        if (n == 0) std::this_thread::yield();
    }
    producer.join();
    EXPECT_TRUE(in_order);
    EXPECT_EQ(received, kBytes);
    EXPECT_TRUE(ring.empty());
}

}  // namespace

// tests/host/list_test.cpp - kernel/lib/list.h.
#include <gtest/gtest.h>

#include <vector>

#include "kernel/lib/list.h"

namespace {

// An object that can be on two lists at once, like a thread on a run queue
// and on a list of all threads. `value` sits before and after the nodes so a
// wrong container_of offset shows up as a wrong value.
struct Item {
    int value;
    ListNode run_node;
    double padding;
    ListNode all_node;
    int value_again;
    explicit Item(int v) : value(v), padding(0), value_again(v) {}
};

using RunQueue = IntrusiveList<Item, &Item::run_node>;
using AllItems = IntrusiveList<Item, &Item::all_node>;

std::vector<int> values(RunQueue& list) {
    std::vector<int> out;
    for (Item& item : list) {
        EXPECT_EQ(item.value, item.value_again);
        out.push_back(item.value);
    }
    return out;
}

TEST(IntrusiveList, StartsEmpty) {
    RunQueue list;
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.size(), 0u);
    EXPECT_EQ(list.front(), nullptr);
    EXPECT_EQ(list.back(), nullptr);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_EQ(list.begin(), list.end());
}

TEST(IntrusiveList, PushBackAndFrontKeepOrder) {
    Item a(1), b(2), c(3), d(4);
    RunQueue list;
    list.push_back(b);
    list.push_back(c);
    list.push_front(a);
    list.push_back(d);
    EXPECT_EQ(values(list), (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(list.size(), 4u);
    EXPECT_EQ(list.front(), &a);
    EXPECT_EQ(list.back(), &d);
    EXPECT_TRUE(a.run_node.linked());
    EXPECT_FALSE(a.all_node.linked());
}

TEST(IntrusiveList, PopFrontIsFifoWithPushBack) {
    Item items[] = {Item(10), Item(20), Item(30)};
    RunQueue list;
    for (Item& i : items) list.push_back(i);
    EXPECT_EQ(list.pop_front(), &items[0]);
    EXPECT_FALSE(items[0].run_node.linked());  // unlinked on the way out
    EXPECT_EQ(list.pop_front(), &items[1]);
    EXPECT_EQ(list.pop_front(), &items[2]);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_TRUE(list.empty());
}

TEST(IntrusiveList, RemoveFromAnywhere) {
    Item a(1), b(2), c(3), d(4);
    RunQueue list;
    for (Item* i : {&a, &b, &c, &d}) list.push_back(*i);
    list.remove(c);  // middle
    EXPECT_EQ(values(list), (std::vector<int>{1, 2, 4}));
    list.remove(a);  // first
    EXPECT_EQ(values(list), (std::vector<int>{2, 4}));
    list.remove(d);  // last
    EXPECT_EQ(values(list), (std::vector<int>{2}));
    EXPECT_EQ(list.front(), list.back());
    list.remove(b);  // only
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.size(), 0u);
    for (Item* i : {&a, &b, &c, &d}) EXPECT_FALSE(i->run_node.linked());
    // A removed item can go on again.
    list.push_front(c);
    EXPECT_EQ(values(list), (std::vector<int>{3}));
}

// insert_before keeps a list sorted (kernel/timer.cpp's queues): at the
// front, in the middle, and before the last; equal keys stay in arrival order.
TEST(IntrusiveList, InsertBeforeKeepsSortedOrder) {
    Item a(10), b(20), c(30), d(5), e(20), f(25);
    RunQueue list;
    auto insert_sorted = [&](Item& item) {
        for (Item& other : list) {
            if (other.value > item.value) {
                list.insert_before(other, item);
                return;
            }
        }
        list.push_back(item);
    };
    for (Item* i : {&b, &a, &c, &d, &e, &f}) insert_sorted(*i);
    EXPECT_EQ(values(list), (std::vector<int>{5, 10, 20, 20, 25, 30}));
    EXPECT_EQ(list.size(), 6u);
    EXPECT_EQ(list.front(), &d);
    EXPECT_EQ(list.back(), &c);
    // b came first of the two 20s, so it stays first.
    list.remove(d);
    list.remove(a);
    EXPECT_EQ(list.front(), &b);
}

TEST(IntrusiveList, OneObjectOnTwoLists) {
    Item a(1), b(2), c(3);
    RunQueue run;
    AllItems all;
    for (Item* i : {&a, &b, &c}) all.push_back(*i);
    run.push_back(c);
    run.push_back(a);
    EXPECT_EQ(values(run), (std::vector<int>{3, 1}));
    std::vector<int> all_values;
    for (Item& i : all) all_values.push_back(i.value_again);
    EXPECT_EQ(all_values, (std::vector<int>{1, 2, 3}));
    run.remove(a);
    EXPECT_TRUE(all.contains(a));  // still on the other list
    EXPECT_FALSE(run.contains(a));
    EXPECT_TRUE(run.contains(c));
    EXPECT_EQ(all.size(), 3u);
    EXPECT_EQ(run.size(), 1u);
}

TEST(IntrusiveList, IteratorArrowAndModification) {
    Item a(1), b(2);
    RunQueue list;
    list.push_back(a);
    list.push_back(b);
    auto it = list.begin();
    EXPECT_EQ(it->value, 1);
    it->value = 100;
    ++it;
    EXPECT_EQ((*it).value, 2);
    ++it;
    EXPECT_EQ(it, list.end());
    EXPECT_EQ(a.value, 100);
}

TEST(IntrusiveList, DrainByPopFront) {
    std::vector<Item> items;
    items.reserve(100);
    for (int i = 0; i < 100; i++) items.emplace_back(i);
    RunQueue list;
    for (Item& i : items) list.push_back(i);
    int expected = 0;
    while (Item* i = list.pop_front()) EXPECT_EQ(i->value, expected++);
    EXPECT_EQ(expected, 100);
}

// A list with static storage needs no constructor at boot.
constinit RunQueue g_global_queue;

TEST(IntrusiveList, ConstantInitialisedGlobal) {
    EXPECT_TRUE(g_global_queue.empty());
    Item a(5);
    g_global_queue.push_back(a);
    EXPECT_EQ(g_global_queue.pop_front(), &a);
}

}  // namespace

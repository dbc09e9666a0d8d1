// kernel/lib/list.h - an intrusive doubly-linked list.
//
// "Intrusive" means the links live inside the listed objects: a struct that
// can be on a list has a ListNode member, and the list threads those members
// together. Adding and removing then never allocates (the kernel heap may be
// what is being implemented), and an object can unlink itself in O(1)
// knowing only itself. This is Linux's struct list_head
// (include/linux/list.h), with the container_of() step done by the template:
//
//     struct Thread {
//         ListNode run_node;                       // links on a run queue
//         ...
//     };
//     IntrusiveList<Thread, &Thread::run_node> run_queue;
//     run_queue.push_back(thread);
//     for (Thread& t : run_queue) ...
//     Thread* next = run_queue.pop_front();        // nullptr when empty
//
// Like list_head the list is circular around a sentinel node inside the list
// object, so insert and remove have no special cases for the ends. An object
// may be on several lists at once through several ListNode members, but on
// only one list per member. Not thread-safe: the owner's lock protects it.
#pragma once

#include <stddef.h>

// The links. A node not on any list has both pointers null, so `linked()`
// tells whether it is on one (Linux instead poisons unlinked pointers).
struct ListNode {
    ListNode* next = nullptr;
    ListNode* prev = nullptr;

    bool linked() const { return next != nullptr; }
};

template <typename T, ListNode T::*Member>
class IntrusiveList {
public:
    // The sentinel points at itself: the empty list. constexpr, so a global
    // list needs no constructor call at boot.
    constexpr IntrusiveList() : head_{&head_, &head_} {}
    // The nodes point at head_, so the list must not move or be copied.
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    bool empty() const { return head_.next == &head_; }
    // Counted on every push and remove, so this is O(1).
    size_t size() const { return size_; }

    // `item` must not be on a list through this member already.
    void push_front(T& item) { link(node_of(item), &head_, head_.next); }
    void push_back(T& item) { link(node_of(item), head_.prev, &head_); }
    // Puts `item` just before `next`, which must be on this list (how a
    // sorted list is kept sorted: find the first larger entry, insert there).
    void insert_before(T& next, T& item) {
        ListNode* after = node_of(next);
        link(node_of(item), after->prev, after);
    }

    // Unlinks `item`, which must be on this list.
    void remove(T& item) {
        ListNode* node = node_of(item);
        node->prev->next = node->next;
        node->next->prev = node->prev;
        node->next = node->prev = nullptr;
        size_--;
    }

    T* front() { return empty() ? nullptr : owner_of(head_.next); }
    T* back() { return empty() ? nullptr : owner_of(head_.prev); }

    // Removes and returns the first item, or nullptr if the list is empty.
    T* pop_front() {
        T* item = front();
        if (item) remove(*item);
        return item;
    }

    // O(n): for assertions and tests.
    bool contains(const T& item) const {
        for (const ListNode* n = head_.next; n != &head_; n = n->next) {
            if (n == &(item.*Member)) return true;
        }
        return false;
    }

    // Forward iteration, for range-for. Removing the item an iterator points
    // at invalidates that iterator (to drain a list, loop on pop_front()).
    class Iterator {
    public:
        explicit Iterator(ListNode* node) : node_(node) {}
        T& operator*() const { return *owner_of(node_); }
        T* operator->() const { return owner_of(node_); }
        Iterator& operator++() {
            node_ = node_->next;
            return *this;
        }
        bool operator==(const Iterator& other) const { return node_ == other.node_; }
        bool operator!=(const Iterator& other) const { return node_ != other.node_; }

    private:
        ListNode* node_;
    };
    Iterator begin() { return Iterator(head_.next); }
    Iterator end() { return Iterator(&head_); }

private:
    static ListNode* node_of(T& item) { return &(item.*Member); }

    // container_of(): from the node back to the object holding it, by
    // subtracting the member's offset. In the Itanium C++ ABI (GCC and Clang
    // on x86-64 and AArch64), a pointer to a data member is exactly that
    // byte offset, so we reinterpret its bits. Linux writes the same thing as
    // container_of(ptr, type, member) with offsetof().
    static T* owner_of(ListNode* node) {
        static_assert(sizeof(Member) == sizeof(ptrdiff_t), "member pointer is not an offset");
        const ptrdiff_t offset = __builtin_bit_cast(ptrdiff_t, Member);  // folds to a constant
        return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
    }

    // Puts `node` between two neighbours that are next to each other.
    void link(ListNode* node, ListNode* prev, ListNode* next) {
        node->prev = prev;
        node->next = next;
        prev->next = node;
        next->prev = node;
        size_++;
    }

    ListNode head_;
    size_t size_ = 0;
};

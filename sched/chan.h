// sched/chan.h -- channels and select (Go: chan.go, select.go).
//
//   rt::Chan<int> c;            // unbuffered: c := make(chan int)
//   rt::Chan<int> b(8);         // buffered:   b := make(chan int, 8)
//   c.Send(1);                  // c <- 1      (parks the goroutine until a receiver takes it)
//   int v = c.Recv();           // v := <-c
//   bool ok = c.Recv(&v);       // v, ok := <-c   (ok false: closed and drained)
//   c.Close();                  // close(c)
//   switch (rt::Select({rt::RecvCase(c, &v), rt::SendCase(b, &w)})) {   // select { ... }
//     case 0: ...  case 1: ...
//   }
//   rt::TrySelect({...}) returns -1 when no case is ready (a select with default).
//
// Blocking parks the goroutine, never the thread. Elements are copied bytewise (Go's
// typedmemmove), so T must be trivially copyable. A Chan is not copyable: share it by reference
// or pointer, and keep it alive while goroutines use it (there is no garbage collector). A null
// Chan pointer in a select case is Go's nil channel: that case is never ready.
// Misuse panics as in Go: send on or close of a closed channel, close of a nil channel.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <initializer_list>
#include <type_traits>

namespace rt {

struct hchan;
hchan* makechan(size_t elemsize, size_t size);
void freechan(hchan* c);
void chansend1(hchan* c, const void* elem);
bool chanrecv2(hchan* c, void* elem);  // received (false: closed)
bool selectnbsend(hchan* c, const void* elem);
bool selectnbrecv(void* elem, bool* received, hchan* c);
void closechan(hchan* c);
int chanlen(hchan* c);
int chancap(hchan* c);

// struct{}: the element of channels used only for signalling.
struct Empty {};

template <class T>
class Chan {
  static_assert(std::is_trivially_copyable_v<T>, "channel elements are copied bytewise");

 public:
  explicit Chan(size_t capacity = 0) : c_(makechan(sizeof(T), capacity)) {}
  ~Chan() { freechan(c_); }
  Chan(const Chan&) = delete;
  Chan& operator=(const Chan&) = delete;

  void Send(const T& v) { chansend1(c_, &v); }
  T Recv() {
    T v{};
    chanrecv2(c_, &v);
    return v;
  }
  bool Recv(T* v) { return chanrecv2(c_, v); }
  bool TrySend(const T& v) { return selectnbsend(c_, &v); }
  // True if a receive happened (*ok: a value, not a close).
  bool TryRecv(T* v, bool* ok = nullptr) {
    bool received = false;
    bool selected = selectnbrecv(v, &received, c_);
    if (ok) *ok = received;
    return selected;
  }
  void Close() { closechan(c_); }
  int Len() const { return chanlen(c_); }
  int Cap() const { return chancap(c_); }
  hchan* raw() const { return c_; }

 private:
  hchan* c_;
};

// One case of a select (Go: scase).
struct SelectCase {
  hchan* c;        // nullptr: nil channel, never ready
  void* elem;      // value to send, or where to store the received one (may be nullptr)
  bool send;
  bool* recvOK;    // receive cases: set to false if woken by close
};

template <class T>
SelectCase SendCase(Chan<T>* c, const T* v) {
  return SelectCase{c ? c->raw() : nullptr, const_cast<T*>(v), true, nullptr};
}
template <class T>
SelectCase SendCase(Chan<T>& c, const T* v) {
  return SendCase(&c, v);
}
template <class T>
SelectCase RecvCase(Chan<T>* c, T* v, bool* ok = nullptr) {
  return SelectCase{c ? c->raw() : nullptr, v, false, ok};
}
template <class T>
SelectCase RecvCase(Chan<T>& c, T* v, bool* ok = nullptr) {
  return RecvCase(&c, v, ok);
}

// Go: selectgo. Returns the index of the case that ran; with block false, -1 if none could.
int selectgo(const SelectCase* cases, int ncases, bool block);
inline int Select(std::initializer_list<SelectCase> cases) {
  return selectgo(cases.begin(), static_cast<int>(cases.size()), true);
}
inline int TrySelect(std::initializer_list<SelectCase> cases) {
  return selectgo(cases.begin(), static_cast<int>(cases.size()), false);
}

}  // namespace rt

// sched/tests/cases_chan.cpp -- channel and select semantics (Go spec, "Channel types", "Send
// statements", "Receive operator", "Select statements").
#include <atomic>

#include "chan.h"
#include "rtest.h"
#include "runtime.h"
#include "sync.h"

namespace {

constexpr uint32_t kGwaiting = 4;

rt::Config procs(int n) {
  rt::Config cfg;
  cfg.gomaxprocs = n;
  return cfg;
}

// Wait until n goroutines are parked (so a following operation finds them in the queues).
void waitParked(int n) {
  while (rt::inspect::CountGStatus(kGwaiting) < n) rt::Gosched();
}

}  // namespace

// An unbuffered send completes only when a receiver takes the value: it is a rendezvous.
RT_CASE(Chan, unbuffered_rendezvous) {
  for (int p : {1, 2}) {
    rt::Run(
        [] {
          rt::Chan<int> c;
          std::atomic<int> stage{0};
          rt::go([&] {
            stage.store(1);
            c.Send(42);  // blocks until main receives
            stage.store(2);
          });
          waitParked(1);  // the sender is blocked in Send
          CHECK_EQ(stage.load(), 1);
          CHECK_EQ(c.Len(), 0);
          CHECK_EQ(c.Recv(), 42);
          while (stage.load() != 2) rt::Gosched();
          // And the other way round: a receiver waiting first gets the value directly.
          rt::Chan<int> d;
          int got = 0;
          rt::WaitGroup wg;
          wg.Add(1);
          rt::go([&] {
            got = d.Recv();
            wg.Done();
          });
          waitParked(1);
          d.Send(7);
          wg.Wait();
          CHECK_EQ(got, 7);
        },
        procs(p));
  }
}

// A buffered channel is a FIFO of its capacity: sends succeed without a receiver until it is
// full, then block; Len and Cap report it.
RT_CASE(Chan, buffered_fifo) {
  rt::Run(
      [] {
        rt::Chan<int> c(3);
        CHECK_EQ(c.Cap(), 3);
        for (int i = 0; i < 3; i++) c.Send(i);
        CHECK_EQ(c.Len(), 3);
        CHECK(!c.TrySend(99));  // full
        std::atomic<bool> sent{false};
        rt::go([&] {
          c.Send(3);  // blocks until there is room
          sent.store(true);
        });
        waitParked(1);
        CHECK(!sent.load());
        for (int i = 0; i < 4; i++) CHECK_EQ(c.Recv(), i);  // FIFO, the blocked value last
        while (!sent.load()) rt::Gosched();
        CHECK_EQ(c.Len(), 0);
        int v = -1;
        CHECK(!c.TryRecv(&v));  // empty
      },
      procs(2));
}

// close: buffered values are still delivered, then receives return the zero value with
// ok == false, immediately and forever; receivers blocked at close time wake up the same way.
RT_CASE(Chan, close_semantics) {
  rt::Run(
      [] {
        rt::Chan<int> c(2);
        c.Send(1);
        c.Send(2);
        c.Close();
        int v = -1;
        CHECK(c.Recv(&v));
        CHECK_EQ(v, 1);
        CHECK(c.Recv(&v));
        CHECK_EQ(v, 2);
        CHECK(!c.Recv(&v));
        CHECK_EQ(v, 0);
        CHECK(!c.Recv(&v));
        bool ok = true;
        CHECK(c.TryRecv(&v, &ok));  // a closed channel is always ready
        CHECK(!ok);

        rt::Chan<int> d;
        std::atomic<int> woken{0};
        rt::WaitGroup wg;
        wg.Add(5);
        for (int i = 0; i < 5; i++) {
          rt::go([&] {
            int x = 5;
            if (!d.Recv(&x) && x == 0) woken.fetch_add(1);
            wg.Done();
          });
        }
        waitParked(5);
        d.Close();
        wg.Wait();
        CHECK_EQ(woken.load(), 5);
      },
      procs(2));
}

// select: a ready case is taken; with several ready, each gets chosen (random poll order);
// default (TrySelect) when none is; nil channels never.
RT_CASE(Chan, select_ready_default_nil) {
  rt::Run(
      [] {
        rt::Chan<int> a(1), b(1);
        rt::Chan<int>* nilc = nullptr;
        int x = 0, y = 0;
        CHECK_EQ(rt::TrySelect({rt::RecvCase(a, &x), rt::RecvCase(nilc, &y)}), -1);
        a.Send(5);
        CHECK_EQ(rt::Select({rt::RecvCase(nilc, &y), rt::RecvCase(a, &x)}), 1);
        CHECK_EQ(x, 5);
        int one = 1;
        CHECK_EQ(rt::TrySelect({rt::SendCase(nilc, &one), rt::SendCase(b, &one)}), 1);
        CHECK_EQ(rt::TrySelect({rt::SendCase(b, &one)}), -1);  // b is full now
        CHECK_EQ(b.Recv(), 1);

        // Both ready: over many rounds both cases win.
        int wins[2] = {0, 0};
        for (int i = 0; i < 400; i++) {
          a.Send(1);
          b.Send(2);
          int v1 = 0, v2 = 0;
          int k = rt::Select({rt::RecvCase(a, &v1), rt::RecvCase(b, &v2)});
          wins[k]++;
          if (k == 0) b.Recv();
          else a.Recv();
        }
        CHECK_GE(wins[0], 50);
        CHECK_GE(wins[1], 50);
        rtest::note("select fairness over 400 rounds: %d / %d", wins[0], wins[1]);
      },
      procs(1));
}

// A select blocks on all its channels at once and is woken by exactly one of them; the others
// lose it cleanly (a later send on them is not consumed by the finished select).
RT_CASE(Chan, select_blocks_then_one_wins) {
  for (int p : {1, 4}) {
    rt::Run(
        [] {
          rt::Chan<int> a, b, c;
          int va = 0, vb = 0;
          int which = -1;
          rt::WaitGroup wg;
          wg.Add(1);
          rt::go([&] {
            which = rt::Select({rt::RecvCase(a, &va), rt::RecvCase(b, &vb)});
            wg.Done();
          });
          waitParked(1);
          b.Send(9);
          wg.Wait();
          CHECK_EQ(which, 1);
          CHECK_EQ(vb, 9);
          CHECK_EQ(va, 0);
          // a has no receiver any more: a non-blocking send must fail.
          CHECK(!a.TrySend(1));

          // A select that sends, woken by a receiver.
          int out = 11;
          wg.Add(1);
          rt::go([&] {
            which = rt::Select({rt::SendCase(c, &out), rt::RecvCase(a, &va)});
            wg.Done();
          });
          waitParked(1);
          CHECK_EQ(c.Recv(), 11);
          wg.Wait();
          CHECK_EQ(which, 0);

          // A select woken by close reports the closed receive.
          bool ok = true;
          wg.Add(1);
          rt::go([&] {
            which = rt::Select({rt::RecvCase(c, &va, &ok), rt::RecvCase(b, &vb)});
            wg.Done();
          });
          waitParked(1);
          c.Close();
          wg.Wait();
          CHECK_EQ(which, 0);
          CHECK(!ok);
        },
        procs(p));
  }
}

// Many producers and consumers on one buffered channel across 4 Ps: nothing lost, nothing
// duplicated.
RT_CASE(Chan, producers_consumers) {
  rt::Run(
      [] {
        constexpr int kProducers = 8, kPerProducer = 5000, kConsumers = 8;
        rt::Chan<int> c(16);
        std::atomic<int64_t> sum{0};
        std::atomic<int> count{0};
        rt::WaitGroup producers, consumers;
        producers.Add(kProducers);
        consumers.Add(kConsumers);
        for (int p = 0; p < kProducers; p++) {
          rt::go([&, p] {
            for (int i = 0; i < kPerProducer; i++) c.Send(p * kPerProducer + i);
            producers.Done();
          });
        }
        for (int k = 0; k < kConsumers; k++) {
          rt::go([&] {
            int v;
            while (c.Recv(&v)) {
              sum.fetch_add(v);
              count.fetch_add(1);
            }
            consumers.Done();
          });
        }
        producers.Wait();
        c.Close();
        consumers.Wait();
        const int64_t n = int64_t{kProducers} * kPerProducer;
        CHECK_EQ(count.load(), n);
        CHECK_EQ(sum.load(), n * (n - 1) / 2);
      },
      procs(4));
}

// Unbuffered ping-pong between two goroutines keeps them on one P (runnext): a round trip
// needs no other M.
RT_CASE(Chan, ping_pong_stays_on_one_p) {
  rt::Run(
      [] {
        rt::Chan<int> ping, pong;
        rt::WaitGroup wg;
        wg.Add(1);
        rt::go([&] {
          int v;
          while (ping.Recv(&v)) pong.Send(v + 1);
          wg.Done();
        });
        int v = 0;
        for (int i = 0; i < 10000; i++) {
          ping.Send(v);
          v = pong.Recv();
        }
        CHECK_EQ(v, 10000);
        CHECK_EQ(rt::inspect::ReadSched().mcreated, 2);  // m0 and sysmon
        ping.Close();
        wg.Wait();
      },
      procs(1));
}

// kernel/fs/console_file.cpp - /dev/console: the serial console as a File.
//
// Writing copies the user's bytes through a small kernel buffer to the
// console (kernel/console.h turns "\n" into "\r\n", as a tty's ONLCR would).
// Reading returns lines from the line discipline (kernel/fs/tty.h). The
// ioctls are the few every C library asks a terminal: TCGETS, which is how
// isatty() decides (newlib, glibc and musl all do this; a "yes" makes stdout
// line-buffered), and TIOCGWINSZ for the screen size. Linux's counterparts:
// drivers/tty/tty_io.c and tty_ioctl.c.
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/fs/devices.h"
#include "kernel/fs/linux_abi.h"
#include "kernel/fs/tty.h"
#include "kernel/uaccess.h"

namespace {

// ioctl numbers: include/uapi/asm-generic/ioctls.h (the same on x86-64 and arm64).
constexpr unsigned long TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404,
                        TCFLSH = 0x540B, TIOCGWINSZ = 0x5413, FIONREAD = 0x541B;
constexpr unsigned long TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;  // TCFLSH's argument

// The kernel's struct termios (include/uapi/asm-generic/termbits.h: NCCS is
// 19 here, unlike the C library's own struct termios). 36 bytes.
struct LinuxTermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[19];
};
static_assert(sizeof(LinuxTermios) == 36);

// The flags that describe what tty.cpp really does (asm-generic/termbits.h).
constexpr uint32_t ICRNL = 0000400, IUTF8 = 0040000;            // c_iflag
constexpr uint32_t OPOST = 0000001, ONLCR = 0000004;            // c_oflag
constexpr uint32_t B38400 = 0000017, CS8 = 0000060, CREAD = 0000200;  // c_cflag
constexpr uint32_t ICANON = 0000002, ECHO = 0000010, ECHOE = 0000020, ECHOK = 0000040,
                   ECHOCTL = 0001000;                           // c_lflag
constexpr int VINTR = 0, VERASE = 2, VKILL = 3, VEOF = 4, VMIN = 6;  // c_cc indices

struct LinuxWinsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
// A serial line cannot tell us the size of the terminal at its other end;
// 80x24 is the VT100's, and what Linux assumes for a serial console too.
constexpr LinuxWinsize kConsoleSize = {24, 80, 0, 0};

LinuxTermios current_termios() {
    LinuxTermios t = {};
    t.c_iflag = ICRNL | IUTF8;
    t.c_oflag = OPOST | ONLCR;
    t.c_cflag = B38400 | CS8 | CREAD;
    t.c_lflag = ICANON | ECHOE | ECHOK | ECHOCTL | (tty_echo() ? ECHO : 0);
    t.c_cc[VINTR] = 0x03;   // ^C
    t.c_cc[VERASE] = 0x7f;  // DEL
    t.c_cc[VKILL] = 0x15;   // ^U
    t.c_cc[VEOF] = 0x04;    // ^D
    t.c_cc[VMIN] = 1;
    return t;
}

class ConsoleFile final : public File {
public:
    long read(const UserBuffer& buf, uint64_t*) override {
        return tty_read(buf, open_flags & O_NONBLOCK);
    }
    // Always writable (output goes to the UART at once); readable with a whole line typed.
    uint32_t poll() override {
        return kEpollOut | kEpollWrNorm | (tty_bytes_ready() ? kEpollIn | kEpollRdNorm : 0);
    }
    PollHead* poll_head() override { return tty_poll_head(); }

    long write(const UserBuffer& buf, uint64_t*) override {
        // Through a small buffer: the console lock is never held while user
        // memory is touched (that could fault).
        char chunk[128];
        size_t done = 0;
        while (done < buf.size) {
            size_t n = buf.size - done < sizeof chunk ? buf.size - done : sizeof chunk;
            if (int error = buf.read(done, chunk, n)) return done ? long(done) : error;
            console_write(chunk, n);
            done += n;
        }
        return long(done);
    }

    long ioctl(unsigned long request, uintptr_t arg) override {
        switch (request) {
        case TCGETS:
            return put_user(arg, current_termios());
        case TCSETS:
        case TCSETSW:
        case TCSETSF: {
            // Only ECHO can change (a password prompt turns it off); the
            // console stays canonical whatever else is asked.
            LinuxTermios t;
            if (int error = get_user(&t, arg)) return error;
            if (request == TCSETSF) tty_flush_input();
            tty_set_echo(t.c_lflag & ECHO);
            return 0;
        }
        case TCFLSH:
            if (arg > TCIOFLUSH) return -EINVAL;
            if (arg == TCIFLUSH || arg == TCIOFLUSH) tty_flush_input();  // output is never queued
            return 0;
        case TIOCGWINSZ:
            return put_user(arg, kConsoleSize);
        case FIONREAD:
            return put_user(arg, int(tty_bytes_ready()));
        default:
            return -ENOTTY;
        }
    }
};

}  // namespace

File* console_open() { return new ConsoleFile; }

// kernel/fs/tty.h - the console's line discipline: typed bytes -> lines.
//
// A terminal sends one byte per key press; a program reading stdin wants
// whole lines, and the person typing wants to see what they type and to fix
// mistakes before pressing Enter. That is the job of Linux's N_TTY line
// discipline in "canonical" mode (drivers/tty/n_tty.c), done here in its
// simplest form, and of xv6's consoleintr()/consoleread():
//
//   - The UART's receive interrupt queues the bytes in kernel/console.cpp
//     (console_drain_device) and calls its input listener, which tty_init()
//     makes this line discipline: each byte goes through tty_input().
//   - Bytes collect in an edit buffer and are echoed back to the screen.
//     Backspace (DEL or ^H) erases the last character, ^U the whole line,
//     ^C throws the line away (Linux would also send SIGINT).
//   - Enter (CR, turned into NL as ICRNL does, or NL) or ^D completes the
//     line: it moves to the input queue, and blocked readers wake up.
//   - tty_read() returns at most one line (the NL included), or 0 for a ^D
//     at the start of a line: end of file.
//
// Locking: the readers' WaitQueue's lock also guards all tty state, so that
// "is there a line?" is checked and the reader queued in one step (see
// WaitQueue). Lock order: the tty lock, then the console's locks.
#pragma once

#include <stddef.h>

#include "kernel/fs/file.h"

// Connects the console's input to the line discipline (its input
// listener). Called once at boot, by vfs_init().
void tty_init();

// One received byte; may run in interrupt context. Never blocks; a byte
// that does not fit is dropped. (Tests type through this directly.)
void tty_input(char c);

// Reads one line (or what of it fits) into buf. Blocks until a line is
// complete, unless `nonblock` (then -EAGAIN). 0 means end of file (^D on an
// empty line). -EFAULT for a bad buffer; the bytes are consumed anyway.
long tty_read(const UserBuffer& buf, bool nonblock);

// Bytes queued for reading in completed lines (FIONREAD); the console is
// readable for epoll while this is not 0.
size_t tty_bytes_ready();
// Where epoll watchers of the console hang: woken when a line completes.
PollHead* tty_poll_head();
// Throws away completed lines and the line being typed (tcflush).
void tty_flush_input();
// Echo on or off (termios ECHO). On at boot; tests turn it off.
void tty_set_echo(bool on);
bool tty_echo();

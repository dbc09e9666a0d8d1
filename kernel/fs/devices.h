// kernel/fs/devices.h - the built-in character devices.
//
// Linux finds a device's driver by its major number (and the minor picks a
// unit). Handoff has two devices and no device table: each node in /dev
// points straight at its driver's open function (kernel/fs/vfs.cpp makes
// the nodes). The numbers are Linux's (Documentation/admin-guide/devices.txt)
// so that stat() shows what a Linux program expects.
#pragma once

#include <stdint.h>

#include "kernel/fs/file.h"

constexpr uint32_t kConsoleMajor = 5, kConsoleMinor = 1;  // /dev/console
constexpr uint32_t kMemMajor = 1, kNullMinor = 3;         // /dev/null

// Each returns a new File (one reference), or nullptr when out of memory.
File* console_open();  // kernel/fs/console_file.cpp
File* null_open();     // kernel/fs/null_file.cpp

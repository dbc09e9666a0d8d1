// kernel/lib/cmdline.cpp - splitting the kernel command line (see cmdline.h).
//
// parse() copies the line into buf_ and cuts it into words in place: quotes
// are squeezed out by moving the following characters down, and each word is
// ended with a NUL written over the blank after it. Keys, values and init's
// argv are then just pointers into buf_. Linux's next_arg() in lib/cmdline.c
// works on the command line in place the same way.
#include "kernel/lib/cmdline.h"

#include "kernel/lib/string.h"

namespace {

constexpr const char* kDefaultInit = "/bin/init";
constexpr const char* const kDefaultInitArgv[] = {kDefaultInit, nullptr};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Cuts the next word out of the line at `pos`, in place, and moves `pos`
// past it. Returns the word (NUL-terminated; "" for a quoted empty word, "")
// or nullptr when only blanks remain. Double quotes are removed and blanks
// between them kept; an unclosed quote runs to the end of the line.
char* next_word(char*& pos) {
    char* read = pos;
    while (is_blank(*read)) read++;
    if (*read == '\0') {
        pos = read;
        return nullptr;
    }
    char* word = read;
    char* write = read;  // trails `read` by the number of quotes removed
    bool quoted = false;
    for (; *read != '\0'; read++) {
        if (*read == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && is_blank(*read)) break;
        *write++ = *read;
    }
    // Resume after the blank that ended the word, or at the final NUL. Only
    // then end the word: `write` may point at that very blank.
    pos = *read != '\0' ? read + 1 : read;
    *write = '\0';
    return word;
}

// Parses all of `s` as a number: decimal, or hex after 0x. False if s is
// empty, has anything else in it, or overflows 64 bits.
bool parse_u64(const char* s, uint64_t* out) {
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0') return false;
    uint64_t value = 0;
    for (; *s; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9')
            digit = unsigned(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            digit = unsigned(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            digit = unsigned(*s - 'A' + 10);
        else
            return false;
        // value * base + digit must stay below 2^64.
        if (value > (UINT64_MAX - digit) / base) return false;
        value = value * base + digit;
    }
    *out = value;
    return true;
}

}  // namespace

bool Cmdline::parse(const char* line) {
    count_ = 0;
    init_argc_ = 0;
    truncated_ = false;
    buf_[0] = '\0';
    if (line == nullptr) return true;

    // Bounded copy: at most kMaxLength - 1 bytes, then the NUL.
    size_t len = strnlen(line, kMaxLength);
    if (len == kMaxLength) {
        len = kMaxLength - 1;
        truncated_ = true;
    }
    memcpy(buf_, line, len);
    buf_[len] = '\0';

    char* pos = buf_;
    while (char* word = next_word(pos)) {
        if (strncmp(word, "init=", 5) == 0) {
            // init= ends option parsing: its value is the program, and every
            // later word is one of that program's arguments.
            word[4] = '\0';  // the key is "init"...
            char* path = word + 5;  // ...and the value starts after the '='
            if (count_ < kMaxTokens)
                tokens_[count_++] = Token{word, path};
            else
                truncated_ = true;
            init_argv_[0] = *path ? path : kDefaultInit;  // "init=" alone keeps the default
            init_argc_ = 1;
            while (char* arg = next_word(pos)) {
                if (init_argc_ == kMaxInitArgs) {
                    truncated_ = true;
                    break;
                }
                init_argv_[init_argc_++] = arg;
            }
            init_argv_[init_argc_] = nullptr;
            break;
        }
        if (count_ == kMaxTokens) {
            truncated_ = true;
            break;
        }
        // key=value: end the key at the first '='. A bare flag's value is ""
        // (a string literal, not inside buf_), telling "present" from absent.
        char* eq = strchr(word, '=');
        if (eq) *eq = '\0';
        tokens_[count_++] = Token{word, eq ? eq + 1 : ""};
    }
    return !truncated_;
}

const char* Cmdline::get(const char* key) const {
    // Search from the end: the last occurrence of a key wins.
    for (int i = count_ - 1; i >= 0; i--) {
        if (strcmp(tokens_[i].key, key) == 0) return tokens_[i].value;
    }
    return nullptr;
}

uint64_t Cmdline::get_u64(const char* key, uint64_t fallback) const {
    const char* value = get(key);
    uint64_t result;
    if (value == nullptr || !parse_u64(value, &result)) return fallback;
    return result;
}

bool Cmdline::get_bool(const char* key, bool fallback) const {
    const char* v = get(key);
    if (v == nullptr) return fallback;
    if (*v == '\0') return true;  // a bare flag: `quiet` means quiet=on
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) return true;
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) return false;
    return fallback;
}

const char* const* Cmdline::init_argv() const {
    return init_argc_ > 0 ? init_argv_ : kDefaultInitArgv;
}

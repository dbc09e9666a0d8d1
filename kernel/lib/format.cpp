// kernel/lib/format.cpp - the printf engine (see format.h for what it accepts).
//
// vformat walks the format string once. Literal text goes to the sink in one
// piece; each %-conversion is parsed into a Spec (flags, width, precision,
// length), its argument fetched with va_arg, and the result written as
// [spaces][prefix][zeros][digits][spaces]. Linux's lib/vsprintf.c has the same
// shape (format_decode + number()); xv6's printf.c is the tiny version with
// only %d %x %p %s.
#include "kernel/lib/format.h"

#include <stdint.h>

#include <limits>
#include <type_traits>

#include "kernel/lib/string.h"

namespace {

// Counts every character produced and passes it on to the sink.
class Output {
public:
    Output(FormatSink sink, void* ctx) : sink_(sink), ctx_(ctx) {}

    void write(const char* s, size_t n) {
        if (n == 0) return;
        sink_(ctx_, s, n);
        count_ += n;
    }

    // n copies of ' ' or '0', the only two padding characters printf uses,
    // sent in chunks from a constant string instead of one call per character.
    void pad(char c, size_t n) {
        static constexpr char kSpaces[] = "                                ";
        static constexpr char kZeros[] = "00000000000000000000000000000000";
        constexpr size_t kChunk = sizeof kSpaces - 1;
        const char* chunk = c == '0' ? kZeros : kSpaces;
        while (n > 0) {
            size_t k = n < kChunk ? n : kChunk;
            write(chunk, k);
            n -= k;
        }
    }

    size_t count() const { return count_; }

private:
    FormatSink sink_;
    void* ctx_;
    size_t count_ = 0;
};

// The length modifier: which integer type the argument was passed as.
enum class Length { Int, Char, Short, Long, LongLong, Size, PtrDiff, Max };

// One parsed conversion specification, e.g. "%-08.3lx".
struct Spec {
    bool left = false;   // '-': pad on the right
    bool zero = false;   // '0': pad with zeros (numbers only, right-justified)
    bool plus = false;   // '+': '+' before non-negative signed numbers
    bool space = false;  // ' ': ' ' before non-negative signed numbers
    bool alt = false;    // '#': "0x" for %x, a leading 0 for %o
    size_t width = 0;
    int precision = -1;  // -1 = not given
    Length length = Length::Int;
};

// Reads a decimal number, saturating at INT_MAX instead of overflowing.
int parse_decimal(const char*& p) {
    constexpr int kMax = std::numeric_limits<int>::max();
    int value = 0;
    while (*p >= '0' && *p <= '9') {
        int digit = *p++ - '0';
        value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
    }
    return value;
}

// The argument of a signed conversion, read as the type it was passed as.
// Types shorter than int arrive promoted to int (C's default argument
// promotions), so hh and h read an int and cut it back.
//
// These helpers take a va_list* rather than a va_list: on AArch64 a va_list
// is a struct passed by value, so va_arg on a copy would not advance the
// caller's list. (C explicitly allows passing a pointer to a va_list.)
int64_t next_signed(va_list* ap, Length length) {
    switch (length) {
    case Length::Char: return static_cast<signed char>(va_arg(*ap, int));
    case Length::Short: return static_cast<short>(va_arg(*ap, int));
    case Length::Long: return va_arg(*ap, long);
    case Length::LongLong: return va_arg(*ap, long long);
    case Length::Size: return va_arg(*ap, std::make_signed_t<size_t>);
    case Length::PtrDiff: return va_arg(*ap, ptrdiff_t);
    case Length::Max: return va_arg(*ap, intmax_t);
    case Length::Int: break;
    }
    return va_arg(*ap, int);
}

uint64_t next_unsigned(va_list* ap, Length length) {
    switch (length) {
    case Length::Char: return static_cast<unsigned char>(va_arg(*ap, int));
    case Length::Short: return static_cast<unsigned short>(va_arg(*ap, int));
    case Length::Long: return va_arg(*ap, unsigned long);
    case Length::LongLong: return va_arg(*ap, unsigned long long);
    case Length::Size: return va_arg(*ap, size_t);
    case Length::PtrDiff: return va_arg(*ap, std::make_unsigned_t<ptrdiff_t>);
    case Length::Max: return va_arg(*ap, uintmax_t);
    case Length::Int: break;
    }
    return va_arg(*ap, unsigned int);
}

// Writes one integer conversion (conv is one of d i u o x X p). `value` is
// the magnitude; `negative` puts a '-' in front (signed conversions only).
void put_number(Output& out, const Spec& spec, char conv, uint64_t value, bool negative) {
    const unsigned base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
    const char* digit_chars = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";

    // Digits, least significant first, filled in from the end of buf.
    char buf[24];  // 2^64 - 1 has 22 octal digits, the longest case
    char* end = buf + sizeof buf;
    char* digits = end;
    // C: the value 0 with precision 0 prints no digits at all.
    if (!(value == 0 && spec.precision == 0)) {
        uint64_t v = value;
        do {
            *--digits = digit_chars[v % base];
            v /= base;
        } while (v != 0);
    }
    size_t ndigits = size_t(end - digits);

    // Zeros between prefix and digits: first those the precision asks for.
    size_t zeros = 0;
    if (spec.precision >= 0 && size_t(spec.precision) > ndigits) zeros = size_t(spec.precision) - ndigits;
    // "%#o": the result must start with a 0 (even for the value 0 at .0).
    if (conv == 'o' && spec.alt && zeros == 0 && (ndigits == 0 || digits[0] != '0')) zeros = 1;

    // Prefix: a sign for %d/%i, "0x" for %p and for nonzero "%#x".
    char prefix[2];
    size_t nprefix = 0;
    if (conv == 'd' || conv == 'i') {
        if (negative)
            prefix[nprefix++] = '-';
        else if (spec.plus)
            prefix[nprefix++] = '+';
        else if (spec.space)
            prefix[nprefix++] = ' ';
    } else if (conv == 'p' || (spec.alt && value != 0 && (conv == 'x' || conv == 'X'))) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = conv == 'X' ? 'X' : 'x';
    }

    size_t len = nprefix + zeros + ndigits;
    // The '0' flag fills the width with zeros after the prefix ("-0042",
    // "0x002a"), but is ignored with '-' or when a precision was given (C).
    if (spec.zero && !spec.left && spec.precision < 0 && spec.width > len) {
        zeros += spec.width - len;
        len = spec.width;
    }
    size_t spaces = spec.width > len ? spec.width - len : 0;

    if (!spec.left) out.pad(' ', spaces);
    out.write(prefix, nprefix);
    out.pad('0', zeros);
    out.write(digits, ndigits);
    if (spec.left) out.pad(' ', spaces);
}

// Writes n characters of s within the field width (%s and %c).
void put_text(Output& out, const Spec& spec, const char* s, size_t n) {
    size_t spaces = spec.width > n ? spec.width - n : 0;
    if (!spec.left) out.pad(' ', spaces);
    out.write(s, n);
    if (spec.left) out.pad(' ', spaces);
}

// kvsnprintf's sink: copies what still fits, always keeping one byte for the
// terminating NUL, and drops the rest (the Output count still includes it).
struct BufferSink {
    char* buf;
    size_t size;
    size_t used;  // bytes stored so far, always < size when size > 0
};

void buffer_sink(void* ctx, const char* s, size_t n) {
    auto* b = static_cast<BufferSink*>(ctx);
    size_t room = b->size > 0 ? b->size - 1 - b->used : 0;
    if (n > room) n = room;
    if (n == 0) return;
    memcpy(b->buf + b->used, s, n);
    b->used += n;
}

}  // namespace

int vformat(FormatSink sink, void* ctx, const char* fmt, va_list ap_in) {
    // Work on a local copy, so that helpers can be given &ap (see next_signed).
    va_list ap;
    va_copy(ap, ap_in);
    Output out(sink, ctx);
    const char* p = fmt;

    while (*p) {
        // Literal text up to the next '%', in one piece.
        const char* text = p;
        while (*p && *p != '%') p++;
        out.write(text, size_t(p - text));
        if (*p == '\0') break;

        const char* spec_start = p++;  // the '%'
        Spec spec;

        // Flags, in any order, possibly repeated.
        for (bool more = true; more; ) {
            switch (*p) {
            case '-': spec.left = true; p++; break;
            case '0': spec.zero = true; p++; break;
            case '+': spec.plus = true; p++; break;
            case ' ': spec.space = true; p++; break;
            case '#': spec.alt = true; p++; break;
            default: more = false; break;
            }
        }

        // Width: digits, or '*' = the next int argument; a negative one
        // means '-' plus its absolute value (C says so).
        if (*p == '*') {
            p++;
            int w = va_arg(ap, int);
            if (w < 0) {
                spec.left = true;
                spec.width = size_t(0u - unsigned(w));  // no overflow for INT_MIN
            } else {
                spec.width = size_t(w);
            }
        } else {
            spec.width = size_t(parse_decimal(p));
        }

        // Precision: '.' then digits or '*'; '.' alone means 0, and a
        // negative '*' means "as if not given".
        if (*p == '.') {
            p++;
            if (*p == '*') {
                p++;
                int v = va_arg(ap, int);
                spec.precision = v < 0 ? -1 : v;
            } else {
                spec.precision = parse_decimal(p);
            }
        }

        // Length modifier.
        switch (*p) {
        case 'h':
            p++;
            if (*p == 'h') {
                p++;
                spec.length = Length::Char;
            } else {
                spec.length = Length::Short;
            }
            break;
        case 'l':
            p++;
            if (*p == 'l') {
                p++;
                spec.length = Length::LongLong;
            } else {
                spec.length = Length::Long;
            }
            break;
        case 'z': p++; spec.length = Length::Size; break;
        case 't': p++; spec.length = Length::PtrDiff; break;
        case 'j': p++; spec.length = Length::Max; break;
        default: break;
        }

        const char conv = *p;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = next_signed(&ap, spec.length);
            // 0 - v in unsigned arithmetic: correct even for INT64_MIN.
            uint64_t magnitude = v < 0 ? 0 - uint64_t(v) : uint64_t(v);
            put_number(out, spec, conv, magnitude, v < 0);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': put_number(out, spec, conv, next_unsigned(&ap, spec.length), false); break;
        case 'p': put_number(out, spec, 'p', uintptr_t(va_arg(ap, void*)), false); break;
        case 'c': {
            char c = static_cast<char>(va_arg(ap, int));
            put_text(out, spec, &c, 1);
            break;
        }
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (s == nullptr) s = "(null)";
            // With a precision, s need not be terminated: read no further.
            size_t n = spec.precision >= 0 ? strnlen(s, size_t(spec.precision)) : strlen(s);
            put_text(out, spec, s, n);
            break;
        }
        case '%': out.write("%", 1); break;
        default:
            // Unknown (or the format ended inside a spec): print it as written.
            out.write(spec_start, size_t(p - spec_start) + (conv ? 1 : 0));
            break;
        }
        if (conv == '\0') break;
        p++;  // past the conversion character
    }

    va_end(ap);
    return out.count() > size_t(std::numeric_limits<int>::max()) ? -1 : int(out.count());
}

int kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
    BufferSink sink{buf, size, 0};
    int n = vformat(buffer_sink, &sink, fmt, ap);
    if (size > 0) buf[sink.used] = '\0';
    return n;
}

int ksnprintf(char* buf, size_t size, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

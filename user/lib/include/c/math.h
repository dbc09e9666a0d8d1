// user/lib/include/c/math.h -- newlib's <math.h> plus declarations libstdc++'s <cmath> expects.
//
// newlib 3.3 implements long-double math only where long double == double (_LDBL_EQ_DBL).
// On x86-64 (80-bit) and aarch64 (128-bit) long double it declares and builds almost none of
// the C99 *l functions, yet <cmath> (configured for glibc) imports them all into std::. We
// declare them so C++ code compiles; CALLING one is a link error ("undefined reference to
// roundl"): use the double versions. sqrtl/fabsl & co. that newlib does have are unaffected.
#ifndef HANDOFF_MATH_SHIM_H
#define HANDOFF_MATH_SHIM_H

#include_next <math.h>

#if !defined(_LDBL_EQ_DBL)
#ifdef __cplusplus
extern "C" {
#endif
long double acoshl(long double);
long double asinhl(long double);
long double atanhl(long double);
long double cbrtl(long double);
long double copysignl(long double, long double);
long double erfl(long double);
long double erfcl(long double);
long double exp2l(long double);
long double expm1l(long double);
long double fdiml(long double, long double);
long double fmal(long double, long double, long double);
long double fmaxl(long double, long double);
long double fminl(long double, long double);
int ilogbl(long double);
long double lgammal(long double);
long long llrintl(long double);
long long llroundl(long double);
long double log1pl(long double);
long double log2l(long double);
long double logbl(long double);
long lrintl(long double);
long lroundl(long double);
long double nanl(const char*);
long double nearbyintl(long double);
long double nextafterl(long double, long double);
double nexttoward(double, long double);
float nexttowardf(float, long double);
long double nexttowardl(long double, long double);
long double remainderl(long double, long double);
long double remquol(long double, long double, int*);
long double rintl(long double);
long double roundl(long double);
long double scalblnl(long double, long);
long double scalbnl(long double, int);
long double tgammal(long double);
long double truncl(long double);
#ifdef __cplusplus
}
#endif
#endif  // !_LDBL_EQ_DBL

#endif  // HANDOFF_MATH_SHIM_H

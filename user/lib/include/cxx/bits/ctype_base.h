// user/lib/include/cxx/bits/ctype_base.h -- std::ctype_base masks from newlib's <ctype.h>.
//
// The host's version uses glibc's _ISupper... bits, which newlib lacks; newlib classifies
// characters with the _U _L _N _S _P _C _X _B bits of its own ctype table (one char each).
namespace std _GLIBCXX_VISIBILITY(default) {
_GLIBCXX_BEGIN_NAMESPACE_VERSION

struct ctype_base {
  typedef const int* __to_type;
  typedef char mask;
  static const mask upper = _U;
  static const mask lower = _L;
  static const mask alpha = _U | _L;
  static const mask digit = _N;
  static const mask xdigit = _X | _N;
  static const mask space = _S;
  static const mask print = _P | _U | _L | _N | _B;
  static const mask graph = _P | _U | _L | _N;
  static const mask cntrl = _C;
  static const mask punct = _P;
  static const mask alnum = _U | _L | _N;
#if __cplusplus >= 201103L
  static const mask blank = _B;  // newlib's "blank" bit
#endif
};

_GLIBCXX_END_NAMESPACE_VERSION
}  // namespace std

// GCC 13's <iostream> makes every translation unit reference std::ios_base_library_init()@GLIBCXX_3.4.32,
// which tells the dynamic loader "this libstdc++ initialises std::cout itself". Older libstdc++ (Debian 12:
// GCC 12, GLIBCXX_3.4.30) has no such symbol and expects each user to hold an ios_base::Init object instead.
// This library supplies both: the symbol, and the Init object that gives the older runtime what it expects.
#include <ios>

namespace std {
__attribute__((visibility("default"))) void ios_base_library_init() {}
}

namespace {
std::ios_base::Init keep_standard_streams_alive;
}

// libpq's client API. Debian keeps it in /usr/include/postgresql, which pkg-config's cflags
// (`pkgConfig: "libpq"`) add to the search path; the prefixed path also finds it without them.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

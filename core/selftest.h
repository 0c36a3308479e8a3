/* Boot-time self-tests chosen with selftest=NAME on the command line; they
 * let the system tests prove that failure paths report what they should. */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

void selftest_run(const char *name);

#endif

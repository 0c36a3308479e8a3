/*
 * memtouch.bin (memtouch.h): entered like long64.bin (64-bit mode on its
 * identity map) in a VM of 16 MiB; sweeps the region under 4-level paging
 * with 4 KiB, then 2 MiB pages. An exception ends the run in a triple
 * fault (no IDT).
 */
#include "memtouch.h"

const char guest_name[] = "memtouch";
unsigned long entry_rflags;             /* recorded by long64/entry.S */
int main(void);

int main(void)
{
	con_init();
	run_long_modes();
	return (int)finish();
}

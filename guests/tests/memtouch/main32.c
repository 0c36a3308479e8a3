/*
 * memtouch32.bin (memtouch.h): entered like prot32.bin (32-bit protected
 * mode, paging off) in a VM of 16 MiB; sweeps the region under 32-bit
 * paging (4 KiB, then 4 MiB pages) and PAE paging (4 KiB, then 2 MiB
 * pages). An exception ends the run in a triple fault (no IDT).
 */
#include "memtouch.h"

const char guest_name[] = "memtouch32";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */
int main(void);

int main(void)
{
	con_init();
	run_legacy_modes();
	return (int)finish();
}

/*
 * ptattack32.bin (ptattack32.h): entered like prot32.bin (32-bit protected
 * mode, paging off) in a VM of 17 MiB; runs the attack under 32-bit paging,
 * then under PAE paging, and leaves paging off again. Any exception outside
 * a probe ends the run with status 255.
 */
#include "ptattack32.h"

#define MSR_EFER  0xc0000080u
#define EFER_NXE  (1ull << 11)

const char guest_name[] = "ptattack32";
unsigned long entry_eflags;             /* recorded by prot32/entry.S */
int main(void);

int main(void)
{
	uint32_t r[4], max_ext;
	unsigned int maxphyaddr = 36;
	bool pse36, nxe = false;

	con_init();
	idt_install(probe_handler);
	cpuid(1, 0, r);
	pse36 = (r[3] >> 17) & 1;
	cpuid(0x80000000, 0, r);
	max_ext = r[0];
	if (max_ext >= 0x80000008) {
		cpuid(0x80000008, 0, r);
		maxphyaddr = r[0] & 0xff;
	}
	if (max_ext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		if ((r[3] >> 20) & 1)           /* NX: EFER.NXE exists */
			nxe = rdmsr(MSR_EFER) & EFER_NXE;
	}
	say("MAXPHYADDR %u, PSE-36 %s, EFER.NXE %u", maxphyaddr,
	    pse36 ? "announced" : "hidden", nxe);
	/* with paging off: the identity maps cover [0, 16 MiB) only */
	for (uint64_t f = FRAME_A; f <= FRAME_D; f += KiB4)
		fill_markers(f);
	fill_markers(0x1001000);
	fill_markers(0x1080000);
	fill_markers(LAST_RAM_FRAME);

	attack_legacy32(pse36);
	attack_pae(maxphyaddr, nxe);

	say("unclaimed MMIO: %u reads, %u writes", unclaimed_reads, unclaimed_writes);
	return (int)finish();
}

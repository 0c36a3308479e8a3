/*
 * Virtual-processor identifiers (Intel SDM Vol. 3 28.1): tags on the TLB
 * entries a guest creates, so entries and exits need not flush. VPID 0 is
 * the host's (VM entry with VPID 0 and the control on fails, error 7), so
 * guests get 1..65535. A VPID names one address space: the backend gives
 * one to each VM, which is right while a VM has one vCPU (vm.c checks).
 * A VPID's stale entries from a previous owner are flushed by the first
 * entry of its new owner (vcpu.c, VMX_WORK_FLUSH_VPID).
 */
#include "arch/x86/vmx/vmx.h"
#include "abi/errno.h"

#define VPID_COUNT 65536

static uint64_t vpid_used[VPID_COUNT / 64] = { 1 };    /* VPID 0: host */
static uint32_t vpid_next = 1;                         /* search from here */

int vmx_vpid_alloc(uint16_t *vpid)
{
	for (uint32_t i = 0; i < VPID_COUNT; i++) {
		uint32_t n = (vpid_next + i) % VPID_COUNT;
		if (!(vpid_used[n / 64] & (1ULL << (n % 64)))) {
			vpid_used[n / 64] |= 1ULL << (n % 64);
			vpid_next = n + 1;
			*vpid = (uint16_t)n;
			return 0;
		}
	}
	return -ENOSPC;
}

void vmx_vpid_free(uint16_t vpid)
{
	if (vpid)
		vpid_used[vpid / 64] &= ~(1ULL << (vpid % 64));
}

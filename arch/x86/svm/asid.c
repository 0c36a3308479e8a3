/*
 * Address-space identifiers for SVM guests (AMD APM Vol. 2 15.16). ASID 0 is
 * the host's. Each VM gets its own while they last (QEMU offers 16); after
 * that VMs share the last one and flush the TLB on every VMRUN, which is
 * slow but correct.
 */
#include "arch/x86/svm/svm.h"
#include "abi/errno.h"

#define MAX_TRACKED_ASIDS 4096

static uint64_t asid_used[MAX_TRACKED_ASIDS / 64];
static uint32_t asid_limit;     /* usable: 1 .. asid_limit-1 */

void svm_asid_init(uint32_t nasids)
{
	asid_limit = nasids < MAX_TRACKED_ASIDS ? nasids : MAX_TRACKED_ASIDS;
}

int svm_asid_alloc(uint32_t *asid, bool *shared)
{
	if (asid_limit < 2)
		return -ENOSPC;
	/* the last ASID is kept back as the shared one */
	for (uint32_t a = 1; a + 1 < asid_limit; a++) {
		if (!(asid_used[a / 64] & (1ULL << (a % 64)))) {
			asid_used[a / 64] |= 1ULL << (a % 64);
			*asid = a;
			*shared = false;
			return 0;
		}
	}
	*asid = asid_limit - 1;
	*shared = true;
	return 0;
}

void svm_asid_free(uint32_t asid, bool shared)
{
	if (!shared && asid < asid_limit)
		asid_used[asid / 64] &= ~(1ULL << (asid % 64));
}

/* The fault fixup of the MMX/SSE stubs (arch/x86/simd_proxy.h). */
#include "arch/x86/simd_proxy.h"

#define TRAP_MF 16
#define TRAP_XM 19

extern const uint8_t simd_proxy_fault[];

bool simd_proxy_fixup(struct trap_frame *tf)
{
	if (tf->rip < (uint64_t)(uintptr_t)simd_stubs_begin ||
	    tf->rip >= (uint64_t)(uintptr_t)simd_stubs_end)
		return false;
	if (tf->vector != TRAP_UD && tf->vector != TRAP_MF && tf->vector != TRAP_XM)
		return false;
	/* as the stub's RET would have: pop its return address */
	tf->rax = tf->vector == TRAP_XM ? SIMD_CALL_XM : SIMD_CALL_REFUSED;
	tf->rip = (uint64_t)(uintptr_t)simd_proxy_fault;
	tf->rsp += 8;
	return true;
}

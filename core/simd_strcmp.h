/*
 * SSE4.2's string compares (PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI)
 * run for the emulator on a vCPU's registers (core/simd_proxy.c calls
 * this with the vCPU's FPU/SSE state live in the CPU).
 */
#ifndef CORE_SIMD_STRCMP_H
#define CORE_SIMD_STRCMP_H

#include "arch/x86/simd_proxy.h"
#include "emul/emul.h"

/* op is one of them (66 0F 3A 60-63, legacy encoding). */
bool simd_strcmp_form(const struct emul_simd *op);

/* Runs op (simd_strcmp_form) on the live registers: XMM0 gets the
 * PCMPxSTRM's mask as the CPU writes it, every other register keeps its
 * value; c (its buf the memory operand for a memory form) comes back
 * with RCX (PCMPxSTRI's index) and RFLAGS. Returns SIMD_CALL_*. */
int simd_strcmp_run(struct simd_call *c, const struct emul_simd *op);

#endif

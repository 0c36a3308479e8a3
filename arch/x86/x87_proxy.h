/*
 * The x87 stubs and the call that runs one of them (arch/x86/x87_proxy.S;
 * used by core/x87_proxy.c).
 */
#ifndef ARCH_X86_X87_PROXY_H
#define ARCH_X86_X87_PROXY_H

#include <stdint.h>

/* 8 opcodes x 8 ModRM.reg values, 8 bytes each: the slot of (opcode, reg)
 * is at x87_stubs + 8 * ((opcode - 0xD8) * 8 + reg). */
extern const uint8_t x87_stubs[];
/* Register forms: (opcode, modrm) at x87_reg_stubs + 8 * ((opcode - 0xD8)
 * * 64 + modrm - 0xC0). */
extern const uint8_t x87_reg_stubs[];
/* 16-bit images: FLDENV, FNSTENV, FRSTOR, FNSAVE, 8 bytes apart. */
extern const uint8_t x87_env16_stubs[];

/* Offsets used by x87_proxy_call: keep in step with the .S file. */
struct x87_call {
	const void *stub;       /* 0 */
	void *buf;              /* 8: RDI for the stub */
	uint8_t env[28];        /* 16: FNSTENV after the stub (32-bit image) */
};

void x87_proxy_call(struct x87_call *c);
/* x87_proxy_call with the stub on the arithmetic flags of rflags; returns
 * RFLAGS after the stub (register forms: FCMOVcc, FCOMI...). */
uint64_t x87_proxy_call_flags(struct x87_call *c, uint64_t rflags);
/* FNSTSW AX, then AX to [RDI]. */
extern const uint8_t x87_fnstsw_ax_stub[];
void x87_load_env(const void *env);
uint16_t x87_status(void);
void x87_ldmxcsr(const uint32_t *mxcsr);
void x87_stmxcsr(uint32_t *mxcsr);
void x87_fxsave(void *area);
void x87_fxsave64(void *area);
void x87_fxrstor(const void *area);
void x87_fxrstor64(const void *area);

#endif

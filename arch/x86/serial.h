/*
 * Polled 16550 UART driver for the hypervisor console (COM1 by default).
 * Transmission waits for THRE so slow emulated UARTs (Bochs) lose nothing.
 */
#ifndef ARCH_X86_SERIAL_H
#define ARCH_X86_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

void serial_init(uint16_t base);
void serial_putc(char c);
/* Non-blocking: returns -1 when no byte is waiting. */
int serial_getc(void);
bool serial_present(void);
/* Is a received byte waiting? (Reads LSR only; consumes nothing.) */
bool serial_rx_ready(void);

#endif

/*
 * The control partition's handles: what file descriptors were for the ioctl
 * ABI. Handle 0 is the system handle; VM and vCPU handles are small positive
 * integers. A handle names an object of one kind; using it for a request of
 * another kind is -EBADF.
 */
#ifndef CORE_HANDLE_H
#define CORE_HANDLE_H

#include <stdint.h>

#define HANDLE_MAX 256

enum handle_kind {
	HANDLE_FREE = 0,
	HANDLE_VM,
	HANDLE_VCPU,
};

/* Returns the new handle (> 0) or -EMFILE when the table is full. */
int handle_alloc(enum handle_kind kind, void *object);
/* The object behind 'h' if it is of 'kind', else NULL. */
void *handle_get(uint64_t h, enum handle_kind kind);
/* Frees one handle: 0 or -EBADF. */
int handle_free(uint64_t h);
/* Frees every handle whose object is 'object' (a destroyed vCPU). */
void handle_forget(void *object);
unsigned handle_count(enum handle_kind kind);

#endif

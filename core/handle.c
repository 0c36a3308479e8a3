/* Handle table (see core/handle.h). Serialized by the control partition's
 * single vCPU today; SMP will put a lock here. */
#include "core/handle.h"
#include "abi/errno.h"

struct handle {
	enum handle_kind kind;
	void *object;
};

static struct handle handles[HANDLE_MAX];

int handle_alloc(enum handle_kind kind, void *object)
{
	for (int h = 1; h < HANDLE_MAX; h++) {
		if (handles[h].kind == HANDLE_FREE) {
			handles[h] = (struct handle){ kind, object };
			return h;
		}
	}
	return -EMFILE;
}

void *handle_get(uint64_t h, enum handle_kind kind)
{
	if (h == 0 || h >= HANDLE_MAX || handles[h].kind != kind)
		return 0;
	return handles[h].object;
}

int handle_free(uint64_t h)
{
	if (h == 0 || h >= HANDLE_MAX || handles[h].kind == HANDLE_FREE)
		return -EBADF;
	handles[h] = (struct handle){ HANDLE_FREE, 0 };
	return 0;
}

void handle_forget(void *object)
{
	for (int h = 1; h < HANDLE_MAX; h++)
		if (handles[h].kind != HANDLE_FREE && handles[h].object == object)
			handles[h] = (struct handle){ HANDLE_FREE, 0 };
}

unsigned handle_count(enum handle_kind kind)
{
	unsigned n = 0;

	for (int h = 1; h < HANDLE_MAX; h++)
		n += handles[h].kind == kind;
	return n;
}

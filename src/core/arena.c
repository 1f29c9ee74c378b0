/* Arena allocator and string interner. */
#include <stdlib.h>
#include <string.h>

#include "wfad/core.h"

struct wfad_arena_block {
	struct wfad_arena_block *next;
	size_t used;
	size_t size;
	_Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK = 256 * 1024 };

void wfad_arena_init(struct wfad_arena *arena)
{
	arena->head = NULL;
	arena->bytes = 0;
}

void wfad_arena_free(struct wfad_arena *arena)
{
	struct wfad_arena_block *b = arena->head;
	while (b) {
		struct wfad_arena_block *next = b->next;
		free(b);
		b = next;
	}
	arena->head = NULL;
	arena->bytes = 0;
}

void wfad_arena_adopt(struct wfad_arena *dst, struct wfad_arena *src)
{
	if (!src->head)
		return;
	/* Append src's blocks after dst's current block, which keeps serving allocations. */
	struct wfad_arena_block *tail = src->head;
	while (tail->next)
		tail = tail->next;
	if (dst->head) {
		tail->next = dst->head->next;
		dst->head->next = src->head;
	} else {
		dst->head = src->head;
	}
	dst->bytes += src->bytes;
	src->head = NULL;
	src->bytes = 0;
}

void *wfad_arena_alloc(struct wfad_arena *arena, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct wfad_arena_block *b = arena->head;
	if (!b || b->size - b->used < size) {
		/* Large requests get a block of their own, kept behind the current one so the
		 * current block's free space is not wasted. */
		size_t cap = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		struct wfad_arena_block *nb = malloc(sizeof(*nb) + cap);
		if (!nb)
			return NULL;
		nb->used = 0;
		nb->size = cap;
		arena->bytes += sizeof(*nb) + cap;
		if (b && cap != ARENA_BLOCK) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			arena->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += size;
	return p;
}

char *wfad_arena_strndup(struct wfad_arena *arena, const char *s, size_t len)
{
	char *p = wfad_arena_alloc(arena, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *wfad_arena_strdup(struct wfad_arena *arena, const char *s)
{
	return wfad_arena_strndup(arena, s, strlen(s));
}

/* Multiply-xorshift over 8-byte words; ids and host names are 10-60 bytes. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	uint64_t tail = 0;
	memcpy(&tail, s + i, len - i);
	h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 29);
}

void wfad_strings_init(struct wfad_strings *s, struct wfad_arena *arena)
{
	memset(s, 0, sizeof(*s));
	s->arena = arena;
}

void wfad_strings_free(struct wfad_strings *s)
{
	free(s->items);
	free(s->lens);
	free(s->slots);
	struct wfad_arena *arena = s->arena;
	memset(s, 0, sizeof(*s));
	s->arena = arena;
}

static bool slot_matches(const struct wfad_strings *s, uint32_t slot, const char *str, size_t len)
{
	return s->lens[slot - 1] == len && memcmp(s->items[slot - 1], str, len) == 0;
}

bool wfad_strings_find(const struct wfad_strings *s, const char *str, size_t len, uint32_t *id)
{
	if (!s->cap_slots)
		return false;
	size_t mask = s->cap_slots - 1;
	for (size_t i = hash_bytes(str, len) & mask;; i = (i + 1) & mask) {
		uint32_t slot = s->slots[i];
		if (!slot)
			return false;
		if (slot_matches(s, slot, str, len)) {
			*id = slot - 1;
			return true;
		}
	}
}

static enum wfad_status grow_slots(struct wfad_strings *s)
{
	size_t cap = s->cap_slots ? s->cap_slots * 2 : 64;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return WFAD_ENOMEM;
	for (size_t id = 0; id < s->count; id++) {
		size_t i = hash_bytes(s->items[id], s->lens[id]) & (cap - 1);
		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = (uint32_t)id + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->cap_slots = cap;
	return WFAD_OK;
}

enum wfad_status wfad_strings_intern(struct wfad_strings *s, const char *str, size_t len,
				     uint32_t *id)
{
	if (wfad_strings_find(s, str, len, id))
		return WFAD_OK;
	if ((s->count + 1) * 2 > s->cap_slots && grow_slots(s) != WFAD_OK)
		return WFAD_ENOMEM;
	if (s->count == s->cap_items) {
		size_t cap = s->cap_items ? s->cap_items * 2 : 32;
		char **items = realloc(s->items, cap * sizeof(*items));
		if (!items)
			return WFAD_ENOMEM;
		s->items = items;
		uint32_t *lens = realloc(s->lens, cap * sizeof(*lens));
		if (!lens)
			return WFAD_ENOMEM;
		s->lens = lens;
		s->cap_items = cap;
	}
	char *copy = wfad_arena_strndup(s->arena, str, len);
	if (!copy)
		return WFAD_ENOMEM;
	size_t mask = s->cap_slots - 1;
	size_t i = hash_bytes(str, len) & mask;
	while (s->slots[i])
		i = (i + 1) & mask;
	s->items[s->count] = copy;
	s->lens[s->count] = (uint32_t)len;
	s->slots[i] = (uint32_t)s->count + 1;
	*id = (uint32_t)s->count++;
	return WFAD_OK;
}

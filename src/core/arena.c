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

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
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
	free(s->slots);
	struct wfad_arena *arena = s->arena;
	memset(s, 0, sizeof(*s));
	s->arena = arena;
}

static bool slot_matches(const struct wfad_strings *s, uint32_t slot, const char *str, size_t len)
{
	const char *item = s->items[slot - 1];
	return strncmp(item, str, len) == 0 && item[len] == '\0';
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
		const char *item = s->items[id];
		size_t i = hash_bytes(item, strlen(item)) & (cap - 1);
		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = (uint32_t)id + 1;
	}
	free(s->slots);
	s->slots = slots;
	s->cap_slots = cap;
	return WFAD_OK;
}

enum wfad_status wfad_strings_intern(struct wfad_strings *s, const char *str, size_t len, uint32_t *id)
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
	s->slots[i] = (uint32_t)s->count + 1;
	*id = (uint32_t)s->count++;
	return WFAD_OK;
}

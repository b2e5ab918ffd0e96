/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Map instruction addresses of a live process to module, function and source line. */
#include <elf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wsite.h"

#define IP_CACHE_BITS 10
#define IP_CACHE_SIZE (1u << IP_CACHE_BITS)
/* Re-read maps on a miss at most this often, so garbage return addresses
 * from a confused unwind cannot make us re-parse maps for every frame. */
#define MAPS_RETRY_NS (50 * 1000 * 1000LL)
#define DEBUG_ROOT "/usr/lib/debug"

struct sym {
	uint64_t start, end;
	const char *name;
	unsigned rank;     /* lower is preferred among aliases */
	size_t shndx;
};

struct seg {
	uint64_t offset, filesz, vaddr;
};

/* One ELF object, shared by every mapping of the same (dev, inode).  Kept
 * until symbolizer_free() because returned strings point into it. */
struct elfmod {
	struct elfmod *next;
	uint64_t dev, ino;
	char *special;     /* "[vdso]": objects without an inode */
	char *module;      /* basename, handed out in frame_info */
	int fd, dbg_fd;
	Elf *elf, *dbg_elf;
	void *image;       /* in-memory copy for [vdso] */
	struct seg *segs;
	size_t nsegs;
	uint64_t min_vaddr;
	struct sym *syms;
	char **names;      /* version-stripped copies of symbol names */
	size_t nnames;
	uint64_t *maxend;  /* maxend[i] = max(syms[0..i].end) */
	size_t nsyms;
	Dwarf *dw;
};

struct mapping {
	uint64_t start, end, off, dev, ino;
	char *path;        /* NULL for anonymous mappings */
	struct elfmod *mod;
	bool mod_tried;
};

struct ip_ent {
	uint64_t ip;
	bool valid;
	int rc;
	struct frame_info fi;
};

struct str {
	struct str *next;
	char s[];
};

struct symbolizer {
	pid_t pid;
	struct mapping *maps;
	size_t nmaps;
	bool maps_valid;
	long long maps_time;
	struct elfmod *mods;
	struct str *strs;
	struct ip_ent cache[IP_CACHE_SIZE];
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Strings that must outlive a maps flush ("[heap]", "[anon]"). */
static const char *intern(struct symbolizer *s, const char *str)
{
	struct str *p;
	size_t n = strlen(str);

	for (p = s->strs; p; p = p->next)
		if (!strcmp(p->s, str))
			return p->s;
	p = malloc(sizeof(*p) + n + 1);
	if (!p)
		return NULL;
	memcpy(p->s, str, n + 1);
	p->next = s->strs;
	s->strs = p;
	return p->s;
}

static void free_maps(struct symbolizer *s)
{
	for (size_t i = 0; i < s->nmaps; i++)
		free(s->maps[i].path);
	free(s->maps);
	s->maps = NULL;
	s->nmaps = 0;
	s->maps_valid = false;
}

static int read_maps(struct symbolizer *s)
{
	char fn[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;

	free_maps(s);
	s->maps_time = now_ns();
	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)s->pid);
	f = fopen(fn, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		struct mapping m = { 0 };
		unsigned maj, min;
		int pos = 0;
		char perms[8], *p;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64
			   " %x:%x %" SCNu64 " %n", &m.start, &m.end, perms,
			   &m.off, &maj, &min, &m.ino, &pos) < 7)
			continue;
		m.dev = ((uint64_t)maj << 32) | min;
		p = line + pos;
		p[strcspn(p, "\n")] = '\0';
		if (*p && !(m.path = strdup(p)))
			break;
		if (s->nmaps == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct mapping *nm = realloc(s->maps, na * sizeof(*nm));

			if (!nm) {
				free(m.path);
				break;
			}
			s->maps = nm;
			alloc = na;
		}
		s->maps[s->nmaps++] = m;
	}
	free(line);
	fclose(f);
	s->maps_valid = true;
	return 0;
}

static struct mapping *find_mapping(struct symbolizer *s, uint64_t ip)
{
	size_t lo = 0, hi = s->nmaps;

	/* The kernel lists mappings sorted and non-overlapping. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ip < s->maps[mid].start)
			hi = mid;
		else if (ip >= s->maps[mid].end)
			lo = mid + 1;
		else
			return &s->maps[mid];
	}
	return NULL;
}

static const char *strip_deleted(char *path)
{
	size_t n = strlen(path);
	const char *suffix = " (deleted)";
	size_t k = strlen(suffix);

	if (n > k && !strcmp(path + n - k, suffix))
		path[n - k] = '\0';
	return path;
}

static Elf *open_elf_fd(int fd)
{
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);

	if (e && elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		e = NULL;
	}
	return e;
}

static Elf_Scn *find_section(Elf *e, Elf64_Word type, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type)
			continue;
		n = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || (n && !strcmp(n, name)))
			return scn;
	}
	return NULL;
}

/* GNU build-id of E into BUF; returns its length, 0 if none. */
static size_t build_id(Elf *e, uint8_t *buf, size_t max)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff))) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + noff, "GNU", 4) &&
			    nh.n_descsz <= max) {
				memcpy(buf, (char *)d->d_buf + doff, nh.n_descsz);
				return nh.n_descsz;
			}
		}
	}
	return 0;
}

static void try_debug_file(struct elfmod *m, const char *fn,
			   const uint8_t *id, size_t idlen)
{
	uint8_t id2[64];
	int fd;
	Elf *e;

	if (m->dbg_elf)
		return;
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	e = open_elf_fd(fd);
	/* Without the CRC check, a matching build-id is what guards against
	 * a stale debug file. */
	if (e && idlen && (build_id(e, id2, sizeof(id2)) != idlen ||
			   memcmp(id, id2, idlen))) {
		elf_end(e);
		e = NULL;
	}
	if (!e) {
		close(fd);
		return;
	}
	m->dbg_fd = fd;
	m->dbg_elf = e;
}

/* Separate debug info: by build-id, then .gnu_debuglink beside the file
 * or under /usr/lib/debug, the places distributions install it. */
static void find_debug_file(struct elfmod *m, const char *path)
{
	uint8_t id[64];
	size_t idlen = build_id(m->elf, id, sizeof(id));
	char fn[4096], dir[4096];
	Elf_Scn *scn;
	Elf_Data *d;
	const char *link, *slash;

	if (idlen >= 2) {
		int n = snprintf(fn, sizeof(fn), DEBUG_ROOT "/.build-id/%02x/",
				 id[0]);

		for (size_t i = 1; i < idlen && n < (int)sizeof(fn) - 3; i++)
			n += snprintf(fn + n, sizeof(fn) - n, "%02x", id[i]);
		if (n < (int)sizeof(fn) - 7) {
			strcpy(fn + n, ".debug");
			try_debug_file(m, fn, id, idlen);
		}
	}
	if (m->dbg_elf || !path || path[0] != '/')
		return;
	scn = find_section(m->elf, SHT_PROGBITS, ".gnu_debuglink");
	d = scn ? elf_getdata(scn, NULL) : NULL;
	if (!d || !d->d_size || !memchr(d->d_buf, 0, d->d_size))
		return;
	link = d->d_buf;
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (snprintf(fn, sizeof(fn), "%s/%s", dir, link) < (int)sizeof(fn) &&
	    strcmp(fn, path))
		try_debug_file(m, fn, id, idlen);
	if (snprintf(fn, sizeof(fn), "%s/.debug/%s", dir, link) <
	    (int)sizeof(fn))
		try_debug_file(m, fn, id, idlen);
	if (snprintf(fn, sizeof(fn), DEBUG_ROOT "%s/%s", dir, link) <
	    (int)sizeof(fn))
		try_debug_file(m, fn, id, idlen);
}

static int load_segments(struct elfmod *m)
{
	size_t n;

	if (elf_getphdrnum(m->elf, &n) || !n)
		return -1;
	m->segs = calloc(n, sizeof(*m->segs));
	if (!m->segs)
		return -1;
	m->min_vaddr = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(m->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		m->segs[m->nsegs++] = (struct seg){ ph.p_offset, ph.p_filesz,
						    ph.p_vaddr };
		if (ph.p_vaddr < m->min_vaddr)
			m->min_vaddr = ph.p_vaddr;
	}
	if (!m->nsegs)
		return -1;
	/* The load base is where the first segment's page starts. */
	m->min_vaddr &= ~(uint64_t)0xfff;
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

static unsigned sym_rank(const GElf_Sym *st, const char *name)
{
	unsigned r = 0;

	/* Prefer the public name of an alias set: global over weak over
	 * local, typed functions over labels, no leading underscore. */
	switch (GELF_ST_BIND(st->st_info)) {
	case STB_GLOBAL: break;
	case STB_WEAK: r += 4; break;
	default: r += 8; break;
	}
	if (GELF_ST_TYPE(st->st_info) == STT_NOTYPE)
		r += 2;
	if (name[0] == '_')
		r += 1;
	return r;
}

/* Load function symbols from the first of: the debug file's .symtab, the
 * file's .symtab, its .dynsym. */
static void load_symbols(struct elfmod *m)
{
	Elf *cands[3] = { m->dbg_elf, m->elf, m->elf };
	Elf64_Word types[3] = { SHT_SYMTAB, SHT_SYMTAB, SHT_DYNSYM };
	Elf *e = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Data *d;
	size_t nshdr, count, n = 0;
	bool *exec = NULL;
	uint64_t *secend = NULL;

	for (int i = 0; i < 3 && !scn; i++) {
		if (!cands[i])
			continue;
		scn = find_section(cands[i], types[i], NULL);
		e = cands[i];
	}
	if (!scn || !gelf_getshdr(scn, &sh) || !sh.sh_entsize ||
	    !(d = elf_getdata(scn, NULL)) || elf_getshdrnum(e, &nshdr))
		return;
	count = sh.sh_size / sh.sh_entsize;
	exec = calloc(nshdr, sizeof(*exec));
	secend = calloc(nshdr, sizeof(*secend));
	m->syms = calloc(count ? count : 1, sizeof(*m->syms));
	m->names = calloc(count ? count : 1, sizeof(*m->names));
	if (!exec || !secend || !m->syms || !m->names)
		goto out;
	for (size_t i = 0; i < nshdr; i++) {
		GElf_Shdr s2;
		Elf_Scn *c = elf_getscn(e, i);

		if (c && gelf_getshdr(c, &s2) && (s2.sh_flags & SHF_EXECINSTR)) {
			exec[i] = true;
			secend[i] = s2.sh_addr + s2.sh_size;
		}
	}
	for (size_t i = 0; i < count; i++) {
		GElf_Sym st;
		const char *name;
		int type;

		if (!gelf_getsym(d, (int)i, &st))
			continue;
		type = GELF_ST_TYPE(st.st_info);
		if (type != STT_FUNC && type != STT_GNU_IFUNC &&
		    type != STT_NOTYPE)
			continue;
		/* Only code: drops data labels and undefined imports. */
		if (st.st_shndx == SHN_UNDEF || st.st_shndx >= nshdr ||
		    !exec[st.st_shndx])
			continue;
		name = elf_strptr(e, sh.sh_link, st.st_name);
		if (!name || !*name || *name == '@')
			continue;
		/* .symtab spells versioned symbols "memcpy@@GLIBC_2.14". */
		if (strchr(name, '@')) {
			char *copy = strndup(name, strcspn(name, "@"));

			if (!copy)
				continue;
			m->names[m->nnames++] = copy;
			name = copy;
		}
		m->syms[n++] = (struct sym){ st.st_value,
					     st.st_value + st.st_size, name,
					     sym_rank(&st, name), st.st_shndx };
	}
	qsort(m->syms, n, sizeof(*m->syms), sym_cmp);
	/* Drop aliases (same range) keeping the preferred name; size-less
	 * labels (assembly) extend to the next symbol or section end. */
	count = n;
	n = 0;
	for (size_t i = 0; i < count; i++) {
		struct sym *x = &m->syms[i];

		if (n && m->syms[n - 1].start == x->start &&
		    (m->syms[n - 1].end == x->end || x->end == x->start))
			continue;
		if (x->end == x->start) {
			uint64_t lim = secend[x->shndx];

			for (size_t j = i + 1; j < count; j++)
				if (m->syms[j].start > x->start) {
					if (m->syms[j].start < lim)
						lim = m->syms[j].start;
					break;
				}
			x->end = lim > x->start ? lim : x->start + 1;
		}
		m->syms[n++] = *x;
	}
	m->nsyms = n;
	m->maxend = calloc(n ? n : 1, sizeof(*m->maxend));
	if (!m->maxend) {
		m->nsyms = 0;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		m->maxend[i] = i && m->maxend[i - 1] > m->syms[i].end
				       ? m->maxend[i - 1]
				       : m->syms[i].end;
out:
	free(exec);
	free(secend);
}

static const struct sym *lookup_sym(const struct elfmod *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nsyms;

	/* Last symbol starting at or below ADDR, then walk back while an
	 * earlier (enclosing) symbol could still cover it; the first hit is
	 * the innermost one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && m->maxend[i] > addr;)
		if (addr < m->syms[i].end)
			return &m->syms[i];
	return NULL;
}

static void elfmod_free(struct elfmod *m)
{
	if (m->dw)
		dwarf_end(m->dw);
	if (m->dbg_elf)
		elf_end(m->dbg_elf);
	if (m->elf)
		elf_end(m->elf);
	if (m->dbg_fd >= 0)
		close(m->dbg_fd);
	if (m->fd >= 0)
		close(m->fd);
	free(m->image);
	free(m->segs);
	free(m->syms);
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	free(m->maxend);
	free(m->special);
	free(m->module);
	free(m);
}

/* The vDSO has no file; copy its image out of the target. */
static Elf *open_vdso(struct symbolizer *s, struct elfmod *m,
		      const struct mapping *mp)
{
	char fn[64];
	size_t len = mp->end - mp->start;
	ssize_t got;
	int fd;

	if (len > (16u << 20))
		return NULL;
	snprintf(fn, sizeof(fn), "/proc/%d/mem", (int)s->pid);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	m->image = malloc(len);
	got = m->image ? pread(fd, m->image, len, (off_t)mp->start) : -1;
	close(fd);
	if (got != (ssize_t)len)
		return NULL;
	return elf_memory(m->image, len);
}

static struct elfmod *get_mod(struct symbolizer *s, struct mapping *mp)
{
	struct elfmod *m;
	char fn[4200], *path;
	const char *base;

	if (mp->mod_tried)
		return mp->mod;
	mp->mod_tried = true;
	if (!mp->path || (!mp->ino && strcmp(mp->path, "[vdso]")))
		return NULL;
	for (m = s->mods; m; m = m->next) {
		if (mp->ino ? (m->dev == mp->dev && m->ino == mp->ino)
			    : (m->special && !strcmp(m->special, mp->path)))
			return mp->mod = m;
	}

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fd = m->dbg_fd = -1;
	m->dev = mp->dev;
	m->ino = mp->ino;
	path = strdup(mp->path);
	if (!path) {
		free(m);
		return NULL;
	}
	strip_deleted(path);
	base = strrchr(path, '/');
	m->module = strdup(base ? base + 1 : path);
	if (!mp->ino)
		m->special = strdup(mp->path);
	if (!m->module || (!mp->ino && !m->special)) {
		free(path);
		elfmod_free(m);
		return NULL;
	}

	if (!mp->ino) {
		m->elf = open_vdso(s, m, mp);
	} else {
		/* map_files reaches the mapped inode even if it was deleted
		 * or lives in another mount namespace. */
		snprintf(fn, sizeof(fn), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
			 (int)s->pid, mp->start, mp->end);
		m->fd = open(fn, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0 && path[0] == '/' &&
		    snprintf(fn, sizeof(fn), "/proc/%d/root%s", (int)s->pid,
			     path) < (int)sizeof(fn))
			m->fd = open(fn, O_RDONLY | O_CLOEXEC);
		if (m->fd < 0)
			m->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (m->fd >= 0)
			m->elf = open_elf_fd(m->fd);
	}
	if (m->elf && load_segments(m) == 0) {
		if (mp->ino)
			find_debug_file(m, path);
		load_symbols(m);
		m->dw = m->dbg_elf ? dwarf_begin_elf(m->dbg_elf, DWARF_C_READ, NULL)
				   : NULL;
		if (!m->dw)
			m->dw = dwarf_begin_elf(m->elf, DWARF_C_READ, NULL);
	} else if (m->elf) {
		elf_end(m->elf);
		m->elf = NULL;
	}
	free(path);
	m->next = s->mods;
	s->mods = m;
	return mp->mod = m;
}

/* ELF virtual address of IP within mapping MP of module M. */
static bool file_vaddr(const struct elfmod *m, const struct mapping *mp,
		       uint64_t ip, uint64_t *vaddr)
{
	uint64_t foff = ip - mp->start + mp->off;

	for (size_t i = 0; i < m->nsegs; i++) {
		const struct seg *g = &m->segs[i];

		if (foff >= g->offset && foff - g->offset < g->filesz) {
			*vaddr = foff - g->offset + g->vaddr;
			return true;
		}
	}
	return false;
}

static int resolve(struct symbolizer *s, uint64_t ip, struct frame_info *out)
{
	struct mapping *mp;
	struct elfmod *m;
	uint64_t vaddr;
	const struct sym *sym;

	memset(out, 0, sizeof(*out));
	out->offset = ip;
	if (!s->maps_valid && read_maps(s))
		return -1;
	mp = find_mapping(s, ip);
	if (!mp && now_ns() - s->maps_time >= MAPS_RETRY_NS) {
		/* Possibly a library mapped since we last looked. */
		if (read_maps(s))
			return -1;
		mp = find_mapping(s, ip);
	}
	if (!mp)
		return -1;

	m = get_mod(s, mp);
	if (!m || !m->elf || !file_vaddr(m, mp, ip, &vaddr)) {
		/* No ELF to consult: report the offset into the file (or
		 * into the anonymous mapping), which is what a reader can
		 * still look up. */
		out->module = m ? m->module
				: intern(s, mp->path ? mp->path : "[anon]");
		out->offset = ip - mp->start + mp->off;
		return 0;
	}
	out->module = m->module;
	sym = lookup_sym(m, vaddr);
	if (sym) {
		out->function = sym->name;
		out->offset = vaddr - sym->start;
	} else {
		out->offset = vaddr - m->min_vaddr;
	}
	if (m->dw) {
		Dwarf_Die cu;
		Dwarf_Line *l;

		if (dwarf_addrdie(m->dw, vaddr, &cu) &&
		    (l = dwarf_getsrc_die(&cu, vaddr))) {
			out->file = dwarf_linesrc(l, NULL, NULL);
			if (out->file && dwarf_lineno(l, &out->line))
				out->line = 0;
		}
	}
	return 0;
}

int symbolize(struct symbolizer *s, uint64_t ip, struct frame_info *out)
{
	/* Fibonacci hashing spreads nearby return addresses over the slots. */
	struct ip_ent *e = &s->cache[(ip * 0x9e3779b97f4a7c15ULL) >>
				     (64 - IP_CACHE_BITS)];

	if (e->valid && e->ip == ip) {
		*out = e->fi;
		return e->rc;
	}
	e->rc = resolve(s, ip, &e->fi);
	/* Misses are not remembered: the address may get mapped later. */
	e->valid = e->rc == 0;
	e->ip = ip;
	*out = e->fi;
	return e->rc;
}

struct symbolizer *symbolizer_new(pid_t pid)
{
	struct symbolizer *s;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s)
		s->pid = pid;
	return s;
}

void symbolizer_flush(struct symbolizer *s)
{
	if (!s)
		return;
	free_maps(s);
	/* Cached answers refer to the old layout; the strings they point to
	 * stay alive in the module list and the intern pool. */
	for (size_t i = 0; i < IP_CACHE_SIZE; i++)
		s->cache[i].valid = false;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	free_maps(s);
	while (s->mods) {
		struct elfmod *m = s->mods;

		s->mods = m->next;
		elfmod_free(m);
	}
	while (s->strs) {
		struct str *p = s->strs;

		s->strs = p->next;
		free(p);
	}
	free(s);
}

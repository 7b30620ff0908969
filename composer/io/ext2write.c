/* The ext2 and ext4 writer. The whole tree is known before anything is written, so each
 * directory is packed into blocks in one pass (no per-entry insertion), inodes are
 * numbered and blocks allocated in tree order, and file data goes straight from the
 * source to the image file with copy_file_range, skipping holes. libext2fs lays out the
 * file system, keeps the bitmaps and counts, maps blocks and writes the metadata.
 * ext4 is the same walk with mke2fs's ext4 features: files mapped by extents (one per
 * contiguous run), a journal, checksummed metadata, and directories of more than one
 * block written as hash trees. */
#include "io/ext2write.h"
#include "base/datacopy.h"
#include "base/diag.h"
#include "base/progress.h"
#include "io/ext2err.h"
#include "model/hostsrc.h"

#include <errno.h>
#include <ext2fs/ext2fs.h>
#include <ext2fs/ext3_extents.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LPF_NAME "lost+found"
#define LPF_MIN_BYTES 16384   /* room e2fsck can use for reconnecting files */
#define FAST_SYMLINK_MAX (EXT2_N_BLOCKS * 4)
#define STAGE_SIZE (1u << 20)    /* coalesces the data of consecutive small files */
#define SMALL_DATA (64u << 10)   /* runs up to this size go through the stage */
#define WRITEBACK_STEP (16u << 20)
#define LOG_FLEX 4               /* mke2fs's flex_bg size: 16 groups */
#define JOURNAL_MIN 1024u        /* blocks; the smallest journal jbd2 accepts */
#define JOURNAL_META 2           /* extent tree blocks of the journal inode, at most */
#define HASH_ALG EXT2_HASH_HALF_MD4_UNSIGNED  /* s_def_hash_version with the unsigned flag */

struct writer {
	ext2_filsys fs;
	struct tree *t;
	const struct image_params *p;
	const char *path;      /* the temporary file libext2fs opens; messages say p->output */
	int fd;
	unsigned bs;
	blk64_t goal;
	char *bmapbuf;         /* scratch for ext2fs_bmap2 */
	char *dirbuf;
	char *stage;           /* whole blocks of small files, bound for image offset stage_at */
	uint64_t stage_at;
	size_t stage_len;
	ext2_ino_t next_ino;
	int lpf_virtual;       /* the writer adds /lost+found */
	int ext4;              /* extents, journal, checksums, hashed directories */
	unsigned tail;         /* bytes at the end of a directory leaf block for its checksum */
	unsigned dxtail;       /* the same for a hash tree index block */
	uint64_t bytes;
	uint64_t unsynced;     /* image bytes written since writeback was last started */
};

/* Messages name the output the user asked for, never the temporary file behind it. */
static int fail(struct writer *w, errcode_t err, const char *what)
{
	diag_error("%s: %s: %s", w->p->output, what, ext2_strerror(err));
	return -1;
}

/* Start writeback of the image every WRITEBACK_STEP bytes written to it, so the disk
 * works while we read the next files and the final fsync finds little left; otherwise
 * nothing reaches the disk until then. N counts what the page cache gets: whole blocks
 * of data (a small file dirties a block, not its size), directory blocks and inodes.
 * Only a hint: if it fails, the fsync still writes everything. */
static void start_writeback(struct writer *w, uint64_t n)
{
	w->unsynced += n;
	if (w->unsynced < WRITEBACK_STEP)
		return;
	w->unsynced = 0;
	(void)sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

/* ---- measuring ---- */

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Indirect blocks a block-mapped file of N blocks needs. */
static uint64_t map_blocks(uint64_t n, uint64_t apb)
{
	uint64_t meta = 0;
	if (n <= EXT2_NDIR_BLOCKS)
		return 0;
	n -= EXT2_NDIR_BLOCKS;
	meta++;
	if (n <= apb)
		return meta;
	n -= apb;
	uint64_t d = n < apb * apb ? n : apb * apb;
	meta += 1 + div_up(d, apb);
	n -= d;
	if (n)
		meta += 1 + div_up(n, apb * apb) + div_up(n, apb);
	return meta;
}

static unsigned rec_len(size_t name_len)
{
	return (unsigned)EXT2_DIR_REC_LEN(name_len);
}

/* Extent tree blocks a file of N blocks may need: an extent per EXT_INIT_MAX_LEN blocks
 * and per group boundary crossed (metadata and backups interrupt runs); four fit in the
 * inode. */
static uint64_t extent_blocks(const struct writer *w, uint64_t n)
{
	uint64_t extents = div_up(n, EXT_INIT_MAX_LEN) + div_up(n, 8ull * w->bs) + 1;
	uint64_t per = (w->bs - sizeof(struct ext3_extent_header)) / sizeof(struct ext3_extent);
	if (extents <= 4)
		return 0;
	uint64_t leaves = div_up(extents, per);
	return leaves + (leaves > 4 ? div_up(leaves, per) : 0);
}

/* Metadata blocks that map N data blocks. */
static uint64_t mapping_blocks(const struct writer *w, uint64_t n)
{
	return w->ext4 ? extent_blocks(w, n) : map_blocks(n, w->bs / 4);
}

/* ---- directory layout ---- */

struct dirent_out {
	const char *name;
	ext2_ino_t ino;
	int type;
	ext2_dirhash_t hash, minor;
};

/* How a directory's entries lie in its blocks: linear (".", "..", the rest in name order,
 * packed greedily), or, on ext4 when they need more than one block, a hash tree: block 0
 * holds ".", ".." and the root index, then index nodes, then the leaves with the other
 * entries in hash order. */
struct dirshape {
	struct dirent_out *ents;
	size_t count;
	size_t *first;        /* first entry of each leaf (hashed: counted from ents + 2) */
	uint64_t leaves;      /* blocks holding entries */
	uint64_t nodes;       /* index nodes below the root (indirect_levels 1) */
	uint64_t blocks;      /* all blocks, lost+found's empty ones included */
	int hashed;
};

/* Pack N entries greedily into blocks of USABLE bytes; FIRST gets each block's first
 * entry. Returns the number of blocks (at least one). */
static uint64_t pack(const struct dirent_out *e, size_t n, unsigned usable, size_t *first)
{
	uint64_t blocks = 1;
	unsigned off = 0;
	first[0] = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned r = rec_len(strlen(e[i].name));
		if (off + r > usable) {
			first[blocks++] = i;
			off = 0;
		}
		off += r;
	}
	return blocks;
}

static int by_hash(const void *a, const void *b)
{
	const struct dirent_out *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Hash tree limits: dx entries in the root and in an index node. */
static unsigned root_limit(const struct writer *w)
{
	return (w->bs - 32 - w->dxtail) / sizeof(struct ext2_dx_entry);
}

static unsigned node_limit(const struct writer *w)
{
	return (w->bs - 8 - w->dxtail) / sizeof(struct ext2_dx_entry);
}

/* Lay out S->ents (S->count of them) in at least MIN_BLOCKS blocks. 0, or -1 when the
 * directory is too large for a two-level hash tree (*why says so). */
static int dir_shape(const struct writer *w, struct dirshape *s, uint64_t min_blocks,
		     const char **why)
{
	unsigned usable = w->bs - w->tail;
	s->first = xmalloc((s->count + 1) * sizeof(*s->first));
	s->hashed = 0;
	s->nodes = 0;
	s->leaves = pack(s->ents, s->count, usable, s->first);
	if (w->ext4 && s->leaves > 1) {
		for (size_t i = 2; i < s->count; i++) {
			struct dirent_out *e = &s->ents[i];
			if (ext2fs_dirhash2(HASH_ALG, e->name, (int)strlen(e->name), NULL, 0,
					    w->p->hash_seed, &e->hash, &e->minor)) {
				*why = "cannot hash a name";
				return -1;
			}
		}
		qsort(s->ents + 2, s->count - 2, sizeof(*s->ents), by_hash);
		s->hashed = 1;
		s->leaves = pack(s->ents + 2, s->count - 2, usable, s->first);
		if (s->leaves > root_limit(w)) {
			s->nodes = div_up(s->leaves, node_limit(w));
			if (s->nodes > root_limit(w)) {
				*why = "too many entries for a two-level hash tree";
				return -1;
			}
		}
	}
	s->blocks = s->hashed ? 1 + s->nodes + s->leaves : s->leaves;
	if (s->blocks < min_blocks)
		s->blocks = min_blocks;
	return 0;
}

static void dir_shape_free(struct dirshape *s)
{
	free(s->ents);
	free(s->first);
}

static int file_type(enum node_type t);

/* DIR's entries: ".", "..", lost+found when the writer adds it, the children. */
static void dir_entries(const struct node *dir, int with_lpf, ext2_ino_t ino,
			ext2_ino_t parent, struct dirshape *s)
{
	size_t k = 0;
	s->ents = xmalloc((dir->u.dir.nkids + 3) * sizeof(*s->ents));
	s->ents[k++] = (struct dirent_out){ ".", ino, EXT2_FT_DIR, 0, 0 };
	s->ents[k++] = (struct dirent_out){ "..", parent, EXT2_FT_DIR, 0, 0 };
	if (with_lpf)
		s->ents[k++] = (struct dirent_out){ LPF_NAME, EXT2_GOOD_OLD_FIRST_INO, EXT2_FT_DIR,
						    0, 0 };
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		const struct dentry *d = dir->u.dir.kids[i];
		s->ents[k++] = (struct dirent_out){ d->name, d->node->ino,
						    file_type(d->node->type), 0, 0 };
	}
	s->count = k;
}

static uint64_t lpf_blocks(const struct writer *w)
{
	uint64_t n = div_up(LPF_MIN_BYTES, w->bs);
	return n < 2 ? 2 : n;
}

struct need {
	uint64_t blocks, inodes, files;
	const struct writer *w;
};

static int measure(const char *path, const struct dentry *d, void *ctx)
{
	struct need *nd = ctx;
	const struct writer *w = nd->w;
	struct node *n = d->node;
	if (n->ino)
		return 0;          /* another name of a file already counted */
	n->ino = 1;
	nd->inodes++;
	/* ext4's dir_nlink lets a directory count 1 past the limit; nothing else may. */
	if (n->nlink > EXT2_LINK_MAX && (n->type != NODE_DIR || !w->ext4)) {
		diag_error("%s: %s: %u links, more than %s holds (%u)", n->origin, path, n->nlink,
			   w->p->format, EXT2_LINK_MAX);
		return -1;
	}
	switch (n->type) {
	case NODE_DIR: {
		int root = n == tree_root(w->t);
		int lpf = !root && !strcmp(d->name, LPF_NAME) && d->dir == tree_root(w->t);
		struct dirshape s;
		const char *why = NULL;
		dir_entries(n, root && w->lpf_virtual, 0, 0, &s);
		int rc = dir_shape(w, &s, lpf ? lpf_blocks(w) : 1, &why);
		uint64_t b = s.blocks;
		dir_shape_free(&s);
		if (rc) {
			diag_error("%s: %s: %s", n->origin, path, why);
			return -1;
		}
		nd->blocks += b + mapping_blocks(w, b);
		break;
	}
	case NODE_REG: {
		uint64_t b = div_up(n->u.reg.size, w->bs);
		nd->blocks += b + mapping_blocks(w, b);
		nd->files++;
		break;
	}
	case NODE_SYMLINK:
		if (strlen(n->u.lnk.target) >= FAST_SYMLINK_MAX)
			nd->blocks++;
		break;
	default:
		break;
	}
	return 0;
}

static int clear_ino(const char *path, const struct dentry *d, void *ctx)
{
	(void)path;
	(void)ctx;
	d->node->ino = 0;
	return 0;
}

/* ---- file system creation ---- */

static errcode_t init_fs(struct writer *w, uint64_t blocks, uint64_t inodes)
{
	struct ext2_super_block param;
	memset(&param, 0, sizeof(param));
	ext2fs_blocks_count_set(&param, blocks);
	param.s_log_block_size = (__u32)(ffs((int)w->bs) - 1 - EXT2_MIN_BLOCK_LOG_SIZE);
	param.s_inodes_count = (__u32)inodes;
	param.s_inode_size = (__u16)w->p->inode_size;
	param.s_rev_level = EXT2_DYNAMIC_REV;
	param.s_feature_compat = EXT2_FEATURE_COMPAT_DIR_INDEX | EXT2_FEATURE_COMPAT_EXT_ATTR;
	param.s_feature_incompat = EXT2_FEATURE_INCOMPAT_FILETYPE;
	param.s_feature_ro_compat = EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |
				    EXT2_FEATURE_RO_COMPAT_LARGE_FILE;
	if (w->ext4) {
		/* mke2fs -t ext4's features; the journal is added once the size is final. */
		param.s_feature_incompat |= EXT3_FEATURE_INCOMPAT_EXTENTS |
					    EXT4_FEATURE_INCOMPAT_FLEX_BG | EXT4_FEATURE_INCOMPAT_64BIT;
		param.s_feature_ro_compat |= EXT4_FEATURE_RO_COMPAT_HUGE_FILE |
					     EXT4_FEATURE_RO_COMPAT_DIR_NLINK |
					     EXT4_FEATURE_RO_COMPAT_METADATA_CSUM;
		if (w->p->inode_size > EXT2_GOOD_OLD_INODE_SIZE)
			param.s_feature_ro_compat |= EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE;
		param.s_log_groups_per_flex = LOG_FLEX;
		param.s_desc_size = EXT2_MIN_DESC_SIZE_64BIT;
	}
	errcode_t err = ext2fs_initialize(w->path, EXT2_FLAG_RW | EXT2_FLAG_64BITS, &param,
					  unix_io_manager, &w->fs);
	if (err)
		return err;
	err = ext2fs_allocate_tables(w->fs);
	if (err) {
		ext2fs_free(w->fs);
		w->fs = NULL;
	}
	return err;
}

static void close_fs(struct writer *w)
{
	if (w->fs)
		ext2fs_free(w->fs);
	w->fs = NULL;
}

/* ext4's journal for a file system of TOTAL blocks: image.journal_size, or mke2fs's
 * default for the size, and never less than jbd2's minimum. */
static uint64_t journal_size(const struct writer *w, uint64_t total)
{
	if (w->p->journal_size)
		return w->p->journal_size / w->bs;
	int n = ext2fs_default_journal_size(total);
	return n < (int)JOURNAL_MIN ? JOURNAL_MIN : (uint64_t)n;
}

/* Blocks free for the content once the file system is laid out (ext4: the journal
 * still to be added is taken off). */
static uint64_t free_blocks(const struct writer *w)
{
	uint64_t f = ext2fs_free_blocks_count(w->fs->super);
	uint64_t j = w->ext4 ? journal_size(w, ext2fs_blocks_count(w->fs->super)) + JOURNAL_META : 0;
	return f > j ? f - j : 0;
}

static uint64_t headroom(const struct image_params *p, uint64_t used, uint64_t unit)
{
	if (p->headroom_bytes)
		return div_up(p->headroom_bytes, unit);
	return div_up(used * p->headroom_pct, 100);
}

/* Size the file system: explicit, or the smallest whole MiB that holds the content plus
 * headroom. Leaves w->fs initialized. */
static int size_fs(struct writer *w, const struct need *nd)
{
	const struct image_params *p = w->p;
	uint64_t want_blocks = nd->blocks, want_inodes = nd->inodes;
	uint64_t inodes = p->inodes;
	uint64_t mib = (1 << 20) / w->bs;
	errcode_t err;

	if (!inodes) {
		uint64_t extra = p->headroom_bytes ? p->headroom_bytes / 16384 :
			div_up(want_inodes * p->headroom_pct, 100);
		inodes = want_inodes + (extra > 64 ? extra : 64);
	}
	if (p->size) {
		uint64_t blocks = p->size / w->bs;
		if (blocks < 64) {
			diag_error("image.size %llu bytes is too small for a file system",
				   (unsigned long long)p->size);
			return -1;
		}
		if ((err = init_fs(w, blocks, inodes)))
			return fail(w, err, "cannot lay out the file system");
		uint64_t free_b = free_blocks(w);
		uint64_t have_inodes = w->fs->super->s_inodes_count;
		if (free_b >= want_blocks && have_inodes >= want_inodes)
			return 0;
		close_fs(w);
		/* Find the size that would do, to say so. */
		uint64_t total = want_blocks + want_blocks / 50 + 64;
		for (;;) {
			total = div_up(total, mib) * mib;
			if ((err = init_fs(w, total, want_inodes)))
				return fail(w, err, "cannot lay out the file system");
			uint64_t f = free_blocks(w);
			close_fs(w);
			if (f >= want_blocks)
				break;
			total += want_blocks - f;
		}
		diag_error("image too small: the content needs %llu blocks and %llu inodes, "
			   "image.size %llu bytes gives %llu free blocks and %llu inodes "
			   "(block size %u); use image.size of at least %lluM, or \"auto\"",
			   (unsigned long long)want_blocks, (unsigned long long)want_inodes,
			   (unsigned long long)p->size, (unsigned long long)free_b,
			   (unsigned long long)have_inodes, w->bs,
			   (unsigned long long)div_up(total * w->bs, 1 << 20));
		return -1;
	}
	if (inodes < want_inodes) {
		diag_error("image.inodes %llu is too small: the content needs %llu inodes",
			   (unsigned long long)inodes, (unsigned long long)want_inodes);
		return -1;
	}
	uint64_t target = want_blocks + headroom(p, want_blocks, w->bs);
	uint64_t total = target + target / 50 + 64;
	for (;;) {
		total = div_up(total, mib) * mib;
		/* Many inodes and little data: the inode tables need room (TOOSMALL), and a
		 * group holds at most 8 * block size inodes (TOO_MANY_INODES). */
		err = init_fs(w, total, inodes);
		if (err == EXT2_ET_TOOSMALL || err == EXT2_ET_TOO_MANY_INODES) {
			uint64_t per_group = 8ull * w->bs;
			uint64_t more = err == EXT2_ET_TOOSMALL ?
				target + div_up(inodes * w->p->inode_size, w->bs) :
				(div_up(inodes, per_group) - 1) * per_group + mib;
			total = total < more ? more : total + total / 8 + mib;
			continue;
		}
		if (err)
			return fail(w, err, "cannot lay out the file system");
		uint64_t f = free_blocks(w);
		if (f >= target && w->fs->super->s_inodes_count >= want_inodes)
			return 0;
		close_fs(w);
		total += f < target ? target - f : mib;
	}
}

static void set_identity(struct writer *w)
{
	struct ext2_super_block *sb = w->fs->super;
	const struct image_params *p = w->p;
	memcpy(sb->s_uuid, p->uuid, sizeof(sb->s_uuid));
	memcpy(sb->s_hash_seed, p->hash_seed, sizeof(sb->s_hash_seed));
	sb->s_def_hash_version = EXT2_HASH_HALF_MD4;
	sb->s_flags |= EXT2_FLAGS_UNSIGNED_HASH;
	memset(sb->s_volume_name, 0, sizeof(sb->s_volume_name));
	memcpy(sb->s_volume_name, p->label, strnlen(p->label, sizeof(sb->s_volume_name)));
	sb->s_mkfs_time = sb->s_lastcheck = (__u32)p->timestamp;
	/* libext2fs takes now == 0 to mean the wall clock; keep it fixed. */
	w->fs->now = p->timestamp ? (time_t)p->timestamp : 1;
	/* Metadata checksums start from the UUID (no metadata_csum_seed). */
	if (w->ext4) {
		sb->s_flags &= ~EXT2_FLAGS_SIGNED_HASH;   /* initialize set it for x86's char */
		sb->s_checksum_type = EXT2_CRC32C_CHKSUM;
		ext2fs_init_csum_seed(w->fs);
	}
	ext2fs_mark_super_dirty(w->fs);
}

/* ext4's journal, mke2fs's way (in the middle of the file system); not zeroed, as the
 * image file is new and sparse: its unwritten blocks read as zeros. Its superblock
 * carries the file system's UUID. */
static int add_journal(struct writer *w)
{
	struct ext2fs_journal_params jp = {
		.num_journal_blocks = (blk_t)journal_size(w, ext2fs_blocks_count(w->fs->super)),
	};
	errcode_t err = ext2fs_add_journal_inode3(w->fs, &jp, ~0ULL, EXT2_MKJOURNAL_LAZYINIT |
						  EXT2_MKJOURNAL_NO_MNT_CHECK);
	return err ? fail(w, err, "cannot create the journal") : 0;
}

/* ---- allocation ---- */

/* Up to WANT contiguous free blocks from the allocation cursor. */
static int alloc_run(struct writer *w, blk64_t want, blk64_t *start, blk64_t *len)
{
	blk64_t b, n = 1, max = ext2fs_blocks_count(w->fs->super);
	errcode_t err = ext2fs_new_block2(w->fs, w->goal, NULL, &b);
	if (err)
		return fail(w, err, "out of blocks (raise image.size)");
	while (n < want && b + n < max && !ext2fs_fast_test_block_bitmap2(w->fs->block_map, b + n))
		n++;
	ext2fs_block_alloc_stats_range(w->fs, b, (blk_t)n, +1);
	w->goal = b + n;
	*start = b;
	*len = n;
	return 0;
}

/* Map N blocks at PBLK to logical blocks from LBLK with extents, appending: the last
 * extent grows when the run continues it, else a new one follows it. libext2fs splits
 * full nodes. */
static int map_extents(struct writer *w, ext2_ino_t ino, struct ext2_inode *inode,
		       blk64_t lblk, blk64_t pblk, blk64_t n)
{
	ext2_extent_handle_t h;
	errcode_t err = ext2fs_extent_open2(w->fs, ino, inode, &h);
	if (err)
		return fail(w, err, "cannot map blocks");
	while (!err && n) {
		blk64_t len = n < EXT_INIT_MAX_LEN ? n : EXT_INIT_MAX_LEN;
		const struct ext3_extent_header *eh = (const void *)inode->i_block;
		struct ext2fs_extent e;
		int flags = 0;
		if (eh->eh_entries || eh->eh_depth) {
			err = ext2fs_extent_get(h, EXT2_EXTENT_LAST_LEAF, &e);
			flags = EXT2_EXTENT_INSERT_AFTER;
		}
		if (err)
			break;
		if (flags && e.e_lblk + e.e_len == lblk && e.e_pblk + e.e_len == pblk &&
		    e.e_len + len <= EXT_INIT_MAX_LEN) {
			e.e_len += (__u32)len;
			err = ext2fs_extent_replace(h, 0, &e);
		} else {
			e = (struct ext2fs_extent){ .e_pblk = pblk, .e_lblk = lblk,
						    .e_len = (__u32)len };
			err = ext2fs_extent_insert(h, flags, &e);
		}
		if (!err)
			err = ext2fs_extent_fix_parents(h);
		lblk += len;
		pblk += len;
		n -= len;
	}
	ext2fs_extent_free(h);
	return err ? fail(w, err, "cannot map blocks") : 0;
}

/* Map N blocks at PBLK to logical blocks from LBLK; libext2fs adds indirect blocks. */
static int map_run(struct writer *w, ext2_ino_t ino, struct ext2_inode *inode,
		   blk64_t lblk, blk64_t pblk, blk64_t n)
{
	if (w->ext4) {
		if (map_extents(w, ino, inode, lblk, pblk, n))
			return -1;
		w->goal = w->goal > pblk + n ? w->goal : pblk + n;
		return ext2fs_iblk_add_blocks(w->fs, inode, n) ? -1 : 0;
	}
	for (blk64_t i = 0; i < n; i++) {
		blk64_t p = pblk + i;
		errcode_t err = ext2fs_bmap2(w->fs, ino, inode, w->bmapbuf, BMAP_SET | BMAP_ALLOC,
					     lblk + i, NULL, &p);
		if (err)
			return fail(w, err, "cannot map a block");
	}
	w->goal = w->goal > pblk + n ? w->goal : pblk + n;
	return ext2fs_iblk_add_blocks(w->fs, inode, n) ? -1 : 0;
}

/* ---- inodes ---- */

static __u16 type_bits(enum node_type t)
{
	switch (t) {
	case NODE_DIR: return LINUX_S_IFDIR;
	case NODE_REG: return LINUX_S_IFREG;
	case NODE_SYMLINK: return LINUX_S_IFLNK;
	case NODE_CHR: return LINUX_S_IFCHR;
	case NODE_BLK: return LINUX_S_IFBLK;
	case NODE_FIFO: return LINUX_S_IFIFO;
	case NODE_SOCK: return LINUX_S_IFSOCK;
	}
	return 0;
}

static int file_type(enum node_type t)
{
	switch (t) {
	case NODE_DIR: return EXT2_FT_DIR;
	case NODE_REG: return EXT2_FT_REG_FILE;
	case NODE_SYMLINK: return EXT2_FT_SYMLINK;
	case NODE_CHR: return EXT2_FT_CHRDEV;
	case NODE_BLK: return EXT2_FT_BLKDEV;
	case NODE_FIFO: return EXT2_FT_FIFO;
	case NODE_SOCK: return EXT2_FT_SOCK;
	}
	return EXT2_FT_UNKNOWN;
}

static void inode_init(struct ext2_inode_large *in, const struct node *n, unsigned links)
{
	memset(in, 0, sizeof(*in));
	in->i_mode = (__u16)(type_bits(n->type) | (n->mode & 07777));
	in->i_uid = (__u16)n->uid;
	in->osd2.linux2.l_i_uid_high = (__u16)(n->uid >> 16);
	in->i_gid = (__u16)n->gid;
	in->osd2.linux2.l_i_gid_high = (__u16)(n->gid >> 16);
	in->i_links_count = (__u16)links;
	__u32 t = (__u32)n->mtime;
	/* Large inodes carry two more epoch bits, so times past 2038 survive. */
	__u32 epoch = (__u32)(((n->mtime - (int64_t)(int32_t)t) >> 32) & 3);
	in->i_atime = in->i_ctime = in->i_mtime = in->i_crtime = t;
	in->i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
	in->i_atime_extra = in->i_ctime_extra = in->i_mtime_extra = in->i_crtime_extra = epoch;
}

/* The link count stored for N with EXTRA more names: ext4's dir_nlink stores 1 for a
 * directory past the limit (measure refused the rest). */
static unsigned links_of(const struct writer *w, const struct node *n, unsigned extra)
{
	unsigned links = n->nlink + extra;
	return w->ext4 && n->type == NODE_DIR && links >= EXT2_LINK_MAX ? 1 : links;
}

/* ext4 maps files, directories and slow symlinks by extents: an empty tree in the inode
 * (as mke2fs and the kernel give even an empty file). */
static void use_extents(const struct writer *w, struct ext2_inode_large *in)
{
	if (!w->ext4)
		return;
	struct ext3_extent_header *eh = (void *)in->i_block;
	memset(in->i_block, 0, sizeof(in->i_block));
	eh->eh_magic = ext2fs_cpu_to_le16(EXT3_EXT_MAGIC);
	eh->eh_max = ext2fs_cpu_to_le16((sizeof(in->i_block) - sizeof(*eh)) /
					sizeof(struct ext3_extent));
	in->i_flags |= EXT4_EXTENTS_FL;
}

static int put_inode(struct writer *w, ext2_ino_t ino, struct ext2_inode_large *in,
		     const struct node *n)
{
	int large = EXT2_INODE_SIZE(w->fs->super) > EXT2_GOOD_OLD_INODE_SIZE;
	errcode_t err = ext2fs_write_inode_full(w->fs, ino, (struct ext2_inode *)in,
						large ? sizeof(*in) : EXT2_GOOD_OLD_INODE_SIZE);
	if (err)
		return fail(w, err, "cannot write an inode");
	start_writeback(w, EXT2_INODE_SIZE(w->fs->super));
	if (!n->xattrs)
		return 0;
	struct ext2_xattr_handle *h;
	if ((err = ext2fs_xattrs_open(w->fs, ino, &h)))
		return fail(w, err, "cannot open extended attributes");
	if (!(err = ext2fs_xattrs_read(h)))
		for (size_t i = 0; i < n->xattrs->n && !err; i++)
			err = ext2fs_xattr_set(h, n->xattrs->v[i].name, n->xattrs->v[i].value,
					       n->xattrs->v[i].len);
	errcode_t cerr = ext2fs_xattrs_close(&h);
	if (err || cerr) {
		diag_error("%s: %s: cannot store extended attributes: %s", w->p->output, n->origin,
			   ext2_strerror(err ? err : cerr));
		return -1;
	}
	return 0;
}

/* ---- regular files ---- */

struct filedata {
	struct writer *w;
	ext2_ino_t ino;
	struct ext2_inode *inode;
	const struct node *n;
	int fd;            /* -1 for in-memory data */
	uint64_t base;     /* offset of the data in fd */
	blk64_t next;      /* first logical block not yet written */
	int reported;      /* an error has been reported */
	int probe_eof;     /* a host file: reading its last bytes also checks it ends there */
	int eof_seen;      /* ... and it did */
};

static int flush_stage(struct writer *w)
{
	for (size_t done = 0; done < w->stage_len;) {
		ssize_t r = pwrite(w->fd, w->stage + done, w->stage_len - done,
				   (off_t)(w->stage_at + done));
		if (r < 0)
			return -1;
		done += (size_t)r;
	}
	w->stage_len = 0;
	return 0;
}

/* Name a file's source in a message (the path is only built when something failed). */
static void source_error(const struct node *n, const char *what)
{
	char *path = n->src == SRC_HOST ? node_host_path(n) : NULL;
	diag_error_at(n->origin, 0, "%s: %s", path ? path :
		      n->src == SRC_FD ? "(archive data)" : "(inline data)", what);
	free(path);
}

/* Small runs are read into the stage, padded to whole blocks: their blocks are allocated
 * back to back, so one large write covers many files, and the kernel never has to zero
 * the rest of a partly written page. */
static int stage_bytes(struct filedata *f, uint64_t src, uint64_t dst, uint64_t len)
{
	struct writer *w = f->w;
	size_t padded = (size_t)div_up(len, w->bs) * w->bs;
	if (w->stage_len && (dst != w->stage_at + w->stage_len ||
			     w->stage_len + padded > STAGE_SIZE) && flush_stage(w))
		return COPY_EWRITE;
	if (!w->stage_len)
		w->stage_at = dst;
	char *buf = w->stage + w->stage_len;
	if (f->fd < 0) {
		memcpy(buf, f->n->u.reg.mem + src, len);
	} else {
		/* One byte more at the end of a host file: a short read shows it ends where
		 * the scan said, without another fstat (the stage has the byte to spare). */
		size_t want = len + (f->probe_eof && src + len == f->n->u.reg.size);
		size_t done = 0;
		while (done < len) {
			ssize_t r = pread(f->fd, buf + done, want - done,
					  (off_t)(f->base + src + done));
			if (r <= 0) {
				if (r == 0)
					errno = EIO;   /* the source ended early */
				return COPY_EREAD;
			}
			done += (size_t)r;
		}
		if (done > len) {
			source_error(f->n, "changed size during compose");
			f->reported = 1;
			return COPY_EREAD;
		}
		f->eof_seen = want > len;
	}
	memset(buf + len, 0, padded - len);
	w->stage_len += padded;
	progress_add(0, len);
	return 0;
}

static int put_bytes(struct filedata *f, uint64_t src, uint64_t dst, uint64_t len)
{
	if (len <= SMALL_DATA)
		return stage_bytes(f, src, dst, len);
	if (f->fd < 0) {
		const char *mem = f->n->u.reg.mem + src;
		while (len) {
			ssize_t r = pwrite(f->w->fd, mem, len, (off_t)dst);
			if (r < 0)
				return COPY_EWRITE;
			mem += r;
			dst += (uint64_t)r;
			len -= (uint64_t)r;
			progress_add(0, (uint64_t)r);
		}
		return 0;
	}
	return copy_bytes(f->fd, f->base + src, f->w->fd, dst, len);
}

static int write_segment(uint64_t start, uint64_t end, void *arg)
{
	struct filedata *f = arg;
	struct writer *w = f->w;
	uint64_t size = f->n->u.reg.size;
	blk64_t lb = start / w->bs, lend = div_up(end, w->bs);
	if (lb < f->next)
		lb = f->next;
	while (lb < lend) {
		blk64_t p, n;
		if (alloc_run(w, lend - lb, &p, &n) || map_run(w, f->ino, f->inode, lb, p, n)) {
			f->reported = 1;
			return -1;
		}
		uint64_t from = lb * w->bs, to = (lb + n) * w->bs;
		if (to > size)
			to = size;
		int rc = put_bytes(f, from, p * w->bs, to - from);
		if (rc == COPY_EWRITE)
			diag_error("%s: cannot write: %s", w->p->output, strerror(errno));
		else if (rc && !f->reported)
			source_error(f->n, errno == EIO ? "source ended early (changed during "
							  "compose?)" : strerror(errno));
		if (rc) {
			f->reported = 1;
			return -1;
		}
		w->bytes += to - from;
		start_writeback(w, n * w->bs);
		lb += n;
	}
	f->next = lend;
	return 0;
}

static int write_data(struct writer *w, ext2_ino_t ino, struct ext2_inode *inode,
		      const struct node *n)
{
	struct filedata f = { .w = w, .ino = ino, .inode = inode, .n = n, .fd = -1 };
	uint64_t size = n->u.reg.size;
	int rc = -1;
	switch (n->src) {
	case SRC_EMPTY:
		return 0;
	case SRC_MEM:
		return write_segment(0, size, &f);
	case SRC_FD:
		f.fd = n->u.reg.fd;
		f.base = n->u.reg.off;
		rc = data_segments(f.fd, f.base, size, write_segment, &f);
		break;
	case SRC_HOST: {
		/* Checked to be the file the scan saw (model/hostsrc), and again after the
		 * copy (by the stage's read past the end, or fstat): a file that grew or
		 * shrank meanwhile is not silently cut. */
		struct stat st;
		f.fd = node_host_open(n, &st);
		if (f.fd < 0)
			return -1;
		f.probe_eof = 1;
		if ((uint64_t)st.st_blocks * 512 >= size)
			/* Only files with fewer blocks than bytes can have holes worth finding. */
			rc = write_segment(0, size, &f);
		else
			rc = data_segments(f.fd, 0, size, write_segment, &f);
		if (!rc && !f.eof_seen && (fstat(f.fd, &st) || (uint64_t)st.st_size != size)) {
			source_error(n, "changed size during compose");
			f.reported = 1;
			rc = -1;
		}
		close(f.fd);
		break;
	}
	}
	if (rc && !f.reported)
		source_error(n, strerror(errno));
	return rc;
}

static int write_leaf(struct writer *w, struct node *n)
{
	struct ext2_inode_large in;
	ext2_ino_t ino = n->ino;
	inode_init(&in, n, links_of(w, n, 0));
	ext2fs_inode_alloc_stats2(w->fs, ino, +1, 0);
	switch (n->type) {
	case NODE_REG:
		use_extents(w, &in);
		if (ext2fs_inode_size_set(w->fs, (struct ext2_inode *)&in, n->u.reg.size))
			return fail(w, EXT2_ET_FILE_TOO_BIG, n->origin);
		if (write_data(w, ino, (struct ext2_inode *)&in, n))
			return -1;
		progress_file_done(n->u.reg.size);
		break;
	case NODE_SYMLINK: {
		size_t len = strlen(n->u.lnk.target);
		in.i_size = (__u32)len;
		if (len < FAST_SYMLINK_MAX) {
			memcpy(in.i_block, n->u.lnk.target, len);
			break;
		}
		if (len >= w->bs) {
			diag_error("%s: symlink target longer than the block size", n->origin);
			return -1;
		}
		blk64_t p, cnt;
		use_extents(w, &in);
		if (alloc_run(w, 1, &p, &cnt) ||
		    map_run(w, ino, (struct ext2_inode *)&in, 0, p, 1))
			return -1;
		if (pwrite(w->fd, n->u.lnk.target, len, (off_t)(p * w->bs)) != (ssize_t)len) {
			diag_error("%s: %s", w->p->output, strerror(errno));
			return -1;
		}
		start_writeback(w, w->bs);
		break;
	}
	case NODE_CHR:
	case NODE_BLK: {
		unsigned ma = n->u.dev.major, mi = n->u.dev.minor;
		if (ma < 256 && mi < 256)
			in.i_block[0] = ma << 8 | mi;
		else
			in.i_block[1] = (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
		break;
	}
	default:
		break;
	}
	return put_inode(w, ino, &in, n);
}

/* ---- directories ---- */

/* The blocks of directory INO, mapped in one go: their numbers into PHYS. */
static int map_dir(struct writer *w, ext2_ino_t ino, struct ext2_inode *inode, uint64_t n,
		   blk64_t *phys)
{
	for (uint64_t done = 0; done < n;) {
		blk64_t p, len;
		if (alloc_run(w, n - done, &p, &len) || map_run(w, ino, inode, done, p, len))
			return -1;
		for (blk64_t i = 0; i < len; i++)
			phys[done + i] = p + i;
		done += len;
	}
	return 0;
}

static void set_dirent(struct writer *w, struct ext2_dir_entry *de, const char *name,
		       ext2_ino_t ino, int type, unsigned len)
{
	de->inode = ino;
	ext2fs_dirent_set_name_len(de, (int)strlen(name));
	ext2fs_dirent_set_file_type(de, type);
	memcpy(de->name, name, strlen(name));
	ext2fs_set_rec_len(w->fs, len, de);
}

/* A leaf block of N entries into w->dirbuf: the last one spans the rest of the block
 * (up to the checksum tail), or an unused entry covers an empty block. */
static void fill_leaf(struct writer *w, const struct dirent_out *e, size_t n)
{
	char *buf = w->dirbuf;
	unsigned usable = w->bs - w->tail, off = 0;
	memset(buf, 0, w->bs);
	for (size_t i = 0; i < n; i++) {
		unsigned r = i + 1 < n ? rec_len(strlen(e[i].name)) : usable - off;
		set_dirent(w, (struct ext2_dir_entry *)(buf + off), e[i].name, e[i].ino, e[i].type,
			   r);
		off += r;
	}
	if (!n)
		ext2fs_set_rec_len(w->fs, usable, (struct ext2_dir_entry *)buf);
	if (w->tail)
		ext2fs_initialize_dirent_tail(w->fs, EXT2_DIRENT_TAIL(buf, w->bs));
}

/* A dx entry array: N children from logical block BLOCK0 on, child i starting at hash
 * HASH[i] (the first one's hash is implied: its place holds count and limit). */
static void set_dx(struct ext2_dx_entry *dx, unsigned limit, const ext2_dirhash_t *hash,
		   uint64_t n, blk64_t block0)
{
	struct ext2_dx_countlimit *cl = (void *)dx;
	cl->limit = ext2fs_cpu_to_le16((__u16)limit);
	cl->count = ext2fs_cpu_to_le16((__u16)n);
	dx[0].block = ext2fs_cpu_to_le32((__u32)block0);
	for (uint64_t i = 1; i < n; i++) {
		dx[i].hash = ext2fs_cpu_to_le32(hash[i]);
		dx[i].block = ext2fs_cpu_to_le32((__u32)(block0 + i));
	}
}

static int put_dir_block(struct writer *w, blk64_t p, ext2_ino_t ino)
{
	errcode_t err = ext2fs_write_dir_block4(w->fs, p, w->dirbuf, 0, ino);
	if (err)
		return fail(w, err, "cannot write a directory block");
	start_writeback(w, w->bs);
	return 0;
}

/* The root and index nodes of a hash tree, as e2fsck -D writes them. Each leaf starts at
 * the hash of its first entry; when that hash continues from the previous leaf, its low
 * bit says so (hashes are even). */
static int write_index(struct writer *w, ext2_ino_t ino, const struct dirshape *s,
		       const blk64_t *phys)
{
	const struct dirent_out *e = s->ents + 2;
	ext2_dirhash_t *lh = xmalloc(s->leaves * sizeof(*lh));
	for (uint64_t l = 0; l < s->leaves; l++) {
		size_t i = s->first[l];
		lh[l] = e[i].hash | (l && e[i - 1].hash == e[i].hash);
	}
	uint64_t leaf0 = 1 + s->nodes, per = node_limit(w);
	char *buf = w->dirbuf;
	memset(buf, 0, w->bs);
	set_dirent(w, (struct ext2_dir_entry *)buf, ".", ino, EXT2_FT_DIR, 12);
	set_dirent(w, (struct ext2_dir_entry *)(buf + 12), "..", s->ents[1].ino, EXT2_FT_DIR,
		   w->bs - 12);
	struct ext2_dx_root_info *ri = (void *)(buf + 24);
	ri->hash_version = EXT2_HASH_HALF_MD4;
	ri->info_length = sizeof(*ri);
	ri->indirect_levels = s->nodes ? 1 : 0;
	struct ext2_dx_entry *dx = (void *)(buf + 32);
	if (!s->nodes) {
		set_dx(dx, root_limit(w), lh, s->leaves, leaf0);
	} else {
		ext2_dirhash_t *nh = xmalloc(s->nodes * sizeof(*nh));
		for (uint64_t j = 0; j < s->nodes; j++)
			nh[j] = lh[j * per];
		set_dx(dx, root_limit(w), nh, s->nodes, 1);
		free(nh);
	}
	int rc = put_dir_block(w, phys[0], ino);
	for (uint64_t j = 0; !rc && j < s->nodes; j++) {
		uint64_t from = j * per, n = s->leaves - from < per ? s->leaves - from : per;
		memset(buf, 0, w->bs);
		ext2fs_set_rec_len(w->fs, w->bs, (struct ext2_dir_entry *)buf);
		set_dx((void *)(buf + 8), node_limit(w), lh + from, n, leaf0 + from);
		rc = put_dir_block(w, phys[1 + j], ino);
	}
	free(lh);
	return rc;
}

static int write_dir_blocks(struct writer *w, ext2_ino_t ino, struct ext2_inode *inode,
			    const struct dirshape *s)
{
	blk64_t *phys = xmalloc(s->blocks * sizeof(*phys));
	int rc = map_dir(w, ino, inode, s->blocks, phys);
	uint64_t b = 0;
	if (!rc && s->hashed) {
		rc = write_index(w, ino, s, phys);
		b = 1 + s->nodes;
	}
	const struct dirent_out *e = s->hashed ? s->ents + 2 : s->ents;
	size_t n = s->hashed ? s->count - 2 : s->count;
	for (uint64_t l = 0; !rc && b < s->blocks; b++, l++) {
		size_t from = l < s->leaves ? s->first[l] : n;
		size_t to = l + 1 < s->leaves ? s->first[l + 1] : n;
		fill_leaf(w, e + from, to - from);
		rc = put_dir_block(w, phys[b], ino);
	}
	free(phys);
	return rc;
}

static int write_dir(struct writer *w, struct node *dir, ext2_ino_t parent, int is_lpf)
{
	int root = dir == tree_root(w->t);
	ext2_ino_t ino = root ? EXT2_ROOT_INO : dir->ino;
	struct dirshape s;
	const char *why = NULL;
	dir_entries(dir, root && w->lpf_virtual, ino, parent, &s);
	if (dir_shape(w, &s, is_lpf ? lpf_blocks(w) : 1, &why)) {
		dir_shape_free(&s);   /* measure reported it already */
		return -1;
	}
	struct ext2_inode_large in;
	inode_init(&in, dir, links_of(w, dir, root && w->lpf_virtual));
	use_extents(w, &in);
	if (s.hashed)
		in.i_flags |= EXT2_INDEX_FL;
	ext2fs_inode_alloc_stats2(w->fs, ino, +1, 1);
	int rc = write_dir_blocks(w, ino, (struct ext2_inode *)&in, &s);
	uint64_t nblocks = s.blocks;
	dir_shape_free(&s);
	if (rc)
		return -1;
	in.i_size = (__u32)(nblocks * w->bs);
	if (put_inode(w, ino, &in, dir))
		return -1;

	/* This directory's files next to it, then its subdirectories. */
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct node *n = dir->u.dir.kids[i]->node;
		if (n->type != NODE_DIR &&
		    !ext2fs_fast_test_inode_bitmap2(w->fs->inode_map, n->ino) && write_leaf(w, n))
			return -1;
	}
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		const struct dentry *d = dir->u.dir.kids[i];
		if (d->node->type == NODE_DIR &&
		    write_dir(w, d->node, ino, root && !strcmp(d->name, LPF_NAME)))
			return -1;
	}
	return 0;
}

/* Number inodes: each directory's children consecutively, then its subdirectories. */
static void number(struct writer *w, struct node *dir)
{
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct node *n = dir->u.dir.kids[i]->node;
		if (!n->ino)
			n->ino = w->next_ino++;
	}
	for (size_t i = 0; i < dir->u.dir.nkids; i++) {
		struct node *n = dir->u.dir.kids[i]->node;
		if (n->type == NODE_DIR)
			number(w, n);
	}
}

static int write_lpf(struct writer *w)
{
	struct node lpf = { .type = NODE_DIR, .mode = 0700, .mtime = w->p->timestamp, .nlink = 2,
			    .ino = EXT2_FIRST_INODE(w->fs->super), .origin = "(lost+found)" };
	return write_dir(w, &lpf, EXT2_ROOT_INO, 1);
}

/* ext4's group descriptors: the inode tables are zero (the image file is new), and
 * every checksum is made again with the UUID's seed. */
static int finish_groups(struct writer *w)
{
	for (dgrp_t g = 0; g < w->fs->group_desc_count; g++)
		ext2fs_bg_flags_set(w->fs, g, EXT2_BG_INODE_ZEROED);
	errcode_t err = ext2fs_set_gdt_csum(w->fs);
	return err ? fail(w, err, "cannot checksum the group descriptors") : 0;
}

static int write_fs(struct tree *t, const struct image_params *p, const char *path, int fd,
		    int ext4, struct output_result *res)
{
	struct writer w = { .t = t, .p = p, .path = path, .fd = fd, .bs = p->block_size,
			    .ext4 = ext4 };
	struct node *root = tree_root(t);
	struct dentry *lpf = tree_lookup_dentry(t, "/" LPF_NAME);
	int rc = -1;

	if (lpf && lpf->node->type != NODE_DIR) {
		diag_error("%s: /lost+found must be a directory", lpf->node->origin);
		return -1;
	}
	w.lpf_virtual = !lpf;

	if (ext4) {
		w.tail = sizeof(struct ext2_dir_entry_tail);
		w.dxtail = sizeof(struct ext2_dx_tail);
	}
	struct need nd = { .w = &w };
	tree_walk(t, clear_ino, NULL);
	int bad = tree_walk(t, measure, &nd);
	tree_walk(t, clear_ino, NULL);
	if (bad)
		return -1;
	if (w.lpf_virtual) {
		nd.inodes++;
		nd.blocks += lpf_blocks(&w);
	}
	nd.inodes += EXT2_GOOD_OLD_FIRST_INO - 2;   /* reserved inodes besides the root */

	if (size_fs(&w, &nd))
		return -1;
	set_identity(&w);
	w.bmapbuf = xmalloc(3 * w.bs);
	w.dirbuf = xmalloc(w.bs);
	w.stage = xmalloc(STAGE_SIZE + 1);   /* + stage_bytes' end-of-file probe */

	/* Reserved inodes are in use but hold nothing. */
	for (ext2_ino_t i = 1; i < EXT2_FIRST_INODE(w.fs->super); i++)
		if (i != EXT2_ROOT_INO)
			ext2fs_inode_alloc_stats2(w.fs, i, +1, 0);

	w.next_ino = EXT2_FIRST_INODE(w.fs->super) + (w.lpf_virtual ? 1 : 0);
	root->ino = EXT2_ROOT_INO;
	number(&w, root);
	if (ftruncate(fd, (off_t)(ext2fs_blocks_count(w.fs->super) * w.bs))) {
		diag_error("%s: %s", p->output, strerror(errno));
		goto out;
	}
	if (ext4 && add_journal(&w))
		goto out;
	if (write_dir(&w, root, EXT2_ROOT_INO, 0) || (w.lpf_virtual && write_lpf(&w)))
		goto out;
	if (flush_stage(&w)) {
		diag_error("%s: %s", p->output, strerror(errno));
		goto out;
	}

	if (ext4 && finish_groups(&w))
		goto out;
	res->blocks = ext2fs_blocks_count(w.fs->super);
	res->blocks_used = res->blocks - ext2fs_free_blocks_count(w.fs->super);
	res->inodes = w.fs->super->s_inodes_count;
	res->inodes_used = res->inodes - w.fs->super->s_free_inodes_count;
	res->bytes = w.bytes;
	res->image_size = res->blocks * w.bs;
	errcode_t err = ext2fs_close_free(&w.fs);
	if (err) {
		fail(&w, err, "cannot write the file system metadata");
		goto out;
	}
	rc = 0;
out:
	close_fs(&w);
	free(w.bmapbuf);
	free(w.dirbuf);
	free(w.stage);
	return rc;
}

int ext2_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res)
{
	return write_fs(t, p, path, fd, 0, res);
}

int ext4_write(struct tree *t, const struct image_params *p, const char *path, int fd,
	       struct output_result *res)
{
	return write_fs(t, p, path, fd, 1, res);
}

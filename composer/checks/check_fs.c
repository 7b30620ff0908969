/* The filesystem check: recompute what the inodes and directories use and compare it
 * with what the bitmaps, group descriptors and link counts say. A read-only subset of
 * e2fsck's passes 1-5, enough to tell a broken image from a good one. */
#include "checks/check.h"
#include "base/diag.h"
#include "io/ext2err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct fsck {
	ext2_filsys fs;
	uint64_t nblocks;
	ext2_ino_t ninodes;
	ext2fs_block_bitmap used;   /* metadata and every block an inode maps */
	ext2fs_block_bitmap ea;     /* extended attribute blocks, which inodes may share */
	ext2fs_inode_bitmap inuse;
	uint16_t *links;            /* i_links_count per inode */
	uint8_t *ftype;             /* EXT2_FT_* per in-use inode */
	uint32_t *refs;             /* directory entries naming each inode */
	char **paths;               /* a path for each named inode, for messages */
	ext2_ino_t ino;             /* inode being mapped */
	uint64_t claimed;           /* blocks it mapped so far */
	uint64_t end;               /* one past its last mapped logical block */
};

static uint8_t ftype_of(unsigned mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG: return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR: return EXT2_FT_DIR;
	case LINUX_S_IFCHR: return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK: return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO: return EXT2_FT_FIFO;
	case LINUX_S_IFSOCK: return EXT2_FT_SOCK;
	case LINUX_S_IFLNK: return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static const char *name_of(struct fsck *k, ext2_ino_t ino)
{
	static char buf[32];
	if (k->paths[ino])
		return k->paths[ino];
	snprintf(buf, sizeof(buf), "inode %u", ino);
	return buf;
}

/* Mark metadata: superblocks, descriptors, bitmaps, inode tables. */
static void mark_metadata(struct fsck *k)
{
	ext2_filsys fs = k->fs;
	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		ext2fs_reserve_super_and_bgd(fs, g, k->used);
		ext2fs_mark_block_bitmap2(k->used, ext2fs_block_bitmap_loc(fs, g));
		ext2fs_mark_block_bitmap2(k->used, ext2fs_inode_bitmap_loc(fs, g));
		blk64_t t = ext2fs_inode_table_loc(fs, g);
		for (blk64_t b = 0; b < fs->inode_blocks_per_group; b++)
			ext2fs_mark_block_bitmap2(k->used, t + b);
	}
}

static int in_range(struct fsck *k, blk64_t b)
{
	return b >= k->fs->super->s_first_data_block && b < k->nblocks;
}

static int claim(ext2_filsys fs, blk64_t *blocknr, e2_blkcnt_t blockcnt, blk64_t ref_blk,
		 int ref_offset, void *priv)
{
	struct fsck *k = priv;
	blk64_t b = *blocknr;
	(void)fs, (void)ref_blk, (void)ref_offset;
	if (!in_range(k, b)) {
		diag_error("inode %u maps block %llu, outside the filesystem", k->ino,
			      (unsigned long long)b);
		return BLOCK_ABORT;
	}
	if (++k->claimed > k->nblocks) {
		diag_error("inode %u maps more blocks than the filesystem has", k->ino);
		return BLOCK_ABORT;
	}
	/* The resize inode maps the reserved descriptor blocks on purpose. */
	if (ext2fs_test_block_bitmap2(k->used, b) && k->ino != EXT2_RESIZE_INO)
		diag_error("block %llu is used twice (again by inode %u)",
			      (unsigned long long)b, k->ino);
	ext2fs_mark_block_bitmap2(k->used, b);
	if (blockcnt >= 0 && (uint64_t)blockcnt + 1 > k->end)
		k->end = (uint64_t)blockcnt + 1;
	return 0;
}

/* i_size against the blocks mapped: directories end at their last block, a file's last
 * block lies within its size (extent files may preallocate past it), special files have
 * no size at all. */
static void check_size(struct fsck *k, ext2_ino_t ino, const struct ext2_inode_large *in)
{
	uint64_t size = EXT2_I_SIZE(in), bs = k->fs->blocksize;
	switch (k->ftype[ino]) {
	case EXT2_FT_DIR:
		if (!(in->i_flags & EXT4_INLINE_DATA_FL) && size != k->end * bs)
			diag_error("directory inode %u: size %" PRIu64 ", should be %" PRIu64,
				      ino, size, k->end * bs);
		break;
	case EXT2_FT_REG_FILE:
		if (in->i_flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL))
			break;
		uint64_t a = bs / 4, max = (EXT2_NDIR_BLOCKS + a + a * a + a * a * a) * bs;
		if (k->end && size <= (k->end - 1) * bs)
			diag_error("inode %u: size %" PRIu64 " ends before its last block %"
				      PRIu64, ino, size, k->end - 1);
		else if (size > max)
			diag_error("inode %u: size %" PRIu64 " exceeds what block maps "
				      "address", ino, size);
		break;
	case EXT2_FT_CHRDEV: case EXT2_FT_BLKDEV: case EXT2_FT_FIFO: case EXT2_FT_SOCK:
		if (size)
			diag_error("special inode %u has size %" PRIu64, ino, size);
		break;
	}
}

/* Pass 1: every inode; which are in use and which blocks they take. */
static void scan_inodes(struct fsck *k)
{
	ext2_filsys fs = k->fs;
	ext2_inode_scan scan;
	struct ext2_inode_large in;
	ext2_ino_t ino, first = EXT2_FIRST_INODE(fs->super);
	errcode_t err = ext2fs_open_inode_scan(fs, 0, &scan);
	if (err) {
		diag_error("cannot scan inodes: %s", ext2_strerror(err));
		return;
	}
	for (ext2_ino_t n = 0; n <= k->ninodes; n++) {
		err = ext2fs_get_next_inode_full(scan, &ino, (struct ext2_inode *)&in, sizeof(in));
		if (err == EXT2_ET_INODE_CSUM_INVALID || err == EXT2_ET_INODE_IS_GARBAGE) {
			diag_error("inode %u: %s", ino, ext2_strerror(err));
			continue;
		}
		if (err) {
			diag_error("cannot read inodes: %s", ext2_strerror(err));
			break;
		}
		if (!ino)
			break;
		if (ino > k->ninodes)
			break;
		int reserved = ino < first;
		if (!reserved && !in.i_links_count)
			continue;
		ext2fs_mark_inode_bitmap2(k->inuse, ino);
		k->links[ino] = in.i_links_count;
		k->ftype[ino] = ftype_of(in.i_mode);
		if (!reserved && k->ftype[ino] == EXT2_FT_UNKNOWN)
			diag_error("inode %u is in use but has no valid file type (mode %o)",
				      ino, in.i_mode);
		if (!reserved && in.i_dtime)
			diag_error("inode %u is in use but has a deletion time", ino);
		if (ino == EXT2_BAD_INO ||
		    ext2fs_inode_has_valid_blocks2(fs, (struct ext2_inode *)&in)) {
			k->ino = ino;
			k->claimed = k->end = 0;
			err = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, NULL, claim, k);
			if (err)
				diag_error("inode %u: cannot map its blocks: %s", ino,
					      ext2_strerror(err));
			else if (!reserved)
				check_size(k, ino, &in);
		} else if (!reserved) {
			k->end = 0;
			check_size(k, ino, &in);
		}
		blk64_t acl = ext2fs_file_acl_block(fs, (struct ext2_inode *)&in);
		if (acl && !in_range(k, acl)) {
			diag_error("inode %u: attribute block %llu outside the filesystem",
				      ino, (unsigned long long)acl);
		} else if (acl && !ext2fs_test_block_bitmap2(k->ea, acl)) {
			if (ext2fs_test_block_bitmap2(k->used, acl))
				diag_error("block %llu is used twice (again by inode %u)",
					      (unsigned long long)acl, ino);
			ext2fs_mark_block_bitmap2(k->used, acl);
			ext2fs_mark_block_bitmap2(k->ea, acl);
		}
	}
	ext2fs_close_inode_scan(scan);
}

struct dirwalk {
	struct fsck *k;
	ext2_ino_t dir, parent;
	ext2_ino_t *queue;
	size_t *tail;
	unsigned char *seen;
};

static int dir_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *de, int offset,
		     int blocksize, char *buf, void *arg)
{
	struct dirwalk *w = arg;
	struct fsck *k = w->k;
	int len = ext2fs_dirent_name_len(de);
	ext2_ino_t ino = de->inode;
	(void)dir, (void)offset, (void)blocksize, (void)buf;

	if (ino < 1 || ino > k->ninodes) {
		diag_error("%s: entry '%.*s' names inode %u, outside the filesystem",
			      name_of(k, w->dir), len, de->name, ino);
		return 0;
	}
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE) {
		const char *want = entry == DIRENT_DOT_FILE ? "." : "..";
		ext2_ino_t to = entry == DIRENT_DOT_FILE ? w->dir : w->parent;
		if ((size_t)len != strlen(want) || memcmp(de->name, want, len))
			diag_error("%s: entry %d should be '%s'", name_of(k, w->dir),
				      entry, want);
		else if (ino != to)
			diag_error("%s: '%s' names inode %u, should be %u",
				      name_of(k, w->dir), want, ino, to);
		k->refs[ino]++;
		return 0;
	}
	if (!len || memchr(de->name, '/', len) || memchr(de->name, 0, len)) {
		diag_error("%s: an entry has an invalid name", name_of(k, w->dir));
		return 0;
	}
	k->refs[ino]++;
	char *here = xasprintf("%s/%.*s", w->dir == EXT2_ROOT_INO ? "" : name_of(k, w->dir), len,
			       de->name);
	if (!ext2fs_test_inode_bitmap2(k->inuse, ino)) {
		diag_error("%s names inode %u, which is not in use", here, ino);
	} else if (ext2fs_has_feature_filetype(k->fs->super) &&
		   ext2fs_dirent_file_type(de) != k->ftype[ino]) {
		diag_error("%s: the entry's file type %d differs from the inode's %d",
			      here, ext2fs_dirent_file_type(de), k->ftype[ino]);
	} else if (k->ftype[ino] == EXT2_FT_DIR && (w->seen[ino / 8] & (1u << (ino % 8)))) {
		diag_error("%s: directory inode %u already has a name (%s)", here, ino,
			      name_of(k, ino));
	} else if (k->ftype[ino] == EXT2_FT_DIR) {
		w->seen[ino / 8] |= 1u << (ino % 8);
		w->queue[(*w->tail)++] = ino;
	}
	/* The first name found is the one messages use. */
	if (!k->paths[ino])
		k->paths[ino] = here;
	else
		free(here);
	return 0;
}

/* Pass 2/3: walk the directory tree from the root, counting names per inode. The queue
 * holds each directory once (the seen bits), so the walk ends on any image. */
static void walk_dirs(struct fsck *k)
{
	ext2_ino_t *queue = xcalloc((size_t)k->ninodes + 1, sizeof(*queue));
	ext2_ino_t *parent = xcalloc((size_t)k->ninodes + 1, sizeof(*parent));
	unsigned char *seen = xcalloc(k->ninodes / 8 + 1, 1);
	size_t head = 0, tail = 0;
	queue[tail++] = EXT2_ROOT_INO;
	parent[EXT2_ROOT_INO] = EXT2_ROOT_INO;
	seen[EXT2_ROOT_INO / 8] |= 1u << (EXT2_ROOT_INO % 8);
	k->paths[EXT2_ROOT_INO] = xstrdup("/");
	while (head < tail) {
		ext2_ino_t dir = queue[head++];
		size_t before = tail;
		struct dirwalk w = { k, dir, parent[dir], queue, &tail, seen };
		errcode_t err = ext2fs_dir_iterate2(k->fs, dir, 0, NULL, dir_entry, &w);
		if (err)
			diag_error("%s: corrupt directory: %s", name_of(k, dir),
				      ext2_strerror(err));
		for (size_t i = before; i < tail; i++)
			parent[queue[i]] = dir;
	}
	free(queue);
	free(parent);
	free(seen);
}

/* Pass 4: link counts against the names found. */
static void check_links(struct fsck *k)
{
	ext2_ino_t first = EXT2_FIRST_INODE(k->fs->super);
	for (ext2_ino_t ino = 1; ino <= k->ninodes; ino++) {
		if (!ext2fs_test_inode_bitmap2(k->inuse, ino) ||
		    (ino < first && ino != EXT2_ROOT_INO))
			continue;
		if (!k->refs[ino])
			diag_error("inode %u is in use but no directory names it", ino);
		else if (k->links[ino] != k->refs[ino] &&
			 !(k->ftype[ino] == EXT2_FT_DIR && k->links[ino] == 1 &&
			   ext2fs_has_feature_dir_nlink(k->fs->super)))
			diag_error("%s: link count %u, but %u names", name_of(k, ino),
				      k->links[ino], k->refs[ino]);
	}
}

/* Report a run [from, to] of blocks or inodes whose bitmap bit is wrong. */
static void run(const char *what, int used, uint64_t from, uint64_t to)
{
	const char *how = used ? "in use but marked free" : "marked in use but unused";
	if (from == to)
		diag_error("%s %" PRIu64 " is %s", what, from, how);
	else
		diag_error("%ss %" PRIu64 "-%" PRIu64 " are %s", what, from, to, how);
}

/* The bits past a group's last block or inode, up to the end of its bitmap block, must
 * be set so the kernel never allocates there. */
static void check_padding(struct fsck *k, const char *what, dgrp_t g, blk64_t blk,
			  uint64_t valid)
{
	unsigned bs = k->fs->blocksize;
	unsigned char *buf = xmalloc(bs);
	errcode_t err = io_channel_read_blk64(k->fs->io, blk, 1, buf);
	if (err)
		diag_error("group %u: cannot read the %s bitmap: %s", g, what,
			      ext2_strerror(err));
	for (uint64_t bit = valid; !err && bit < (uint64_t)bs * 8; bit++)
		if (!(buf[bit / 8] & (1u << (bit % 8)))) {
			diag_error("group %u: the %s bitmap's padding is not set", g, what);
			break;
		}
	free(buf);
}

/* Pass 5: bitmaps and the group descriptors' counts against what passes 1-3 found. The
 * superblock's totals are only a hint the kernel updates lazily; e2fsck ignores them too. */
static void compare_bitmaps(struct fsck *k)
{
	ext2_filsys fs = k->fs;
	struct ext2_super_block *sb = fs->super;
	uint64_t start = 0;
	int state = 0;  /* 0 agree, 1 used-but-free run, 2 free-but-used run */

	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		blk64_t lo = ext2fs_group_first_block2(fs, g), hi = ext2fs_group_last_block2(fs, g);
		uint64_t gfree = 0;
		for (blk64_t b = lo; b <= hi && b < k->nblocks; b++) {
			int u = ext2fs_test_block_bitmap2(k->used, b) != 0;
			int d = ext2fs_test_block_bitmap2(fs->block_map, b) != 0;
			int s = u == d ? 0 : u ? 1 : 2;
			if (s != state) {
				if (state)
					run("block", state == 1, start, b - 1);
				state = s;
				start = b;
			}
			gfree += !u;
		}
		/* Uninitialised groups have no bitmap block contents to check. */
		if (!ext2fs_bg_flags_test(fs, g, EXT2_BG_BLOCK_UNINIT))
			check_padding(k, "block", g, ext2fs_block_bitmap_loc(fs, g), hi - lo + 1);
		if (gfree != ext2fs_bg_free_blocks_count(fs, g))
			diag_error("group %u: free blocks count %u, counted %" PRIu64, g,
				      ext2fs_bg_free_blocks_count(fs, g), gfree);
	}
	if (state)
		run("block", state == 1, start, k->nblocks - 1);

	state = 0;
	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		ext2_ino_t lo = g * sb->s_inodes_per_group + 1;
		uint64_t gfree = 0, gdirs = 0;
		for (ext2_ino_t i = lo; i < lo + sb->s_inodes_per_group && i <= k->ninodes; i++) {
			int u = ext2fs_test_inode_bitmap2(k->inuse, i) != 0;
			int d = ext2fs_test_inode_bitmap2(fs->inode_map, i) != 0;
			int s = u == d ? 0 : u ? 1 : 2;
			if (s != state) {
				if (state)
					run("inode", state == 1, start, i - 1);
				state = s;
				start = i;
			}
			gfree += !u;
			gdirs += u && k->ftype[i] == EXT2_FT_DIR;
		}
		if (!ext2fs_bg_flags_test(fs, g, EXT2_BG_INODE_UNINIT))
			check_padding(k, "inode", g, ext2fs_inode_bitmap_loc(fs, g),
				      sb->s_inodes_per_group);
		if (gfree != ext2fs_bg_free_inodes_count(fs, g))
			diag_error("group %u: free inodes count %u, counted %" PRIu64, g,
				      ext2fs_bg_free_inodes_count(fs, g), gfree);
		if (gdirs != ext2fs_bg_used_dirs_count(fs, g))
			diag_error("group %u: directories count %u, counted %" PRIu64, g,
				      ext2fs_bg_used_dirs_count(fs, g), gdirs);
	}
	if (state)
		run("inode", state == 1, start, k->ninodes);
}

int check_filesystem(struct check_ctx *c)
{
	struct fsck k = { .fs = c->img->fs };
	ext2_filsys fs = k.fs;
	errcode_t err;
	k.nblocks = ext2fs_blocks_count(fs->super);
	k.ninodes = fs->super->s_inodes_count;

	/* Opening the image validated the superblock and the group descriptors. */
	err = ext2fs_read_bitmaps(fs);
	if (err) {
		diag_error("cannot read the bitmaps: %s", ext2_strerror(err));
		return 0;
	}
	if (ext2fs_allocate_block_bitmap(fs, "in use", &k.used) ||
	    ext2fs_allocate_block_bitmap(fs, "attribute blocks", &k.ea) ||
	    ext2fs_allocate_inode_bitmap(fs, "in use", &k.inuse)) {
		diag_error("out of memory");
		exit(EXIT_FAILED);
	}
	k.links = xcalloc((size_t)k.ninodes + 1, sizeof(*k.links));
	k.ftype = xcalloc((size_t)k.ninodes + 1, sizeof(*k.ftype));
	k.refs = xcalloc((size_t)k.ninodes + 1, sizeof(*k.refs));
	k.paths = xcalloc((size_t)k.ninodes + 1, sizeof(*k.paths));

	mark_metadata(&k);
	scan_inodes(&k);
	walk_dirs(&k);
	check_links(&k);
	compare_bitmaps(&k);

	for (ext2_ino_t i = 0; i <= k.ninodes; i++)
		free(k.paths[i]);
	free(k.paths);
	free(k.refs);
	free(k.ftype);
	free(k.links);
	ext2fs_free_block_bitmap(k.used);
	ext2fs_free_block_bitmap(k.ea);
	ext2fs_free_inode_bitmap(k.inuse);
	return 0;
}

/* libext2fs error messages. */
#include "io/ext2err.h"

#include <et/com_err.h>
#include <ext2fs/ext2_err.h>

const char *ext2_strerror(errcode_t err)
{
	static int loaded;
	if (!loaded) {
		initialize_ext2_error_table();
		loaded = 1;
	}
	return error_message(err);
}

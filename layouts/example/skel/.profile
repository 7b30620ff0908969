# settings for new users
umask 022

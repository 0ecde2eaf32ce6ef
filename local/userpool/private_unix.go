//go:build unix

package userpool

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivate refuses the key file or its directory (path, whose FileInfo
// is fi) unless it belongs to the running user and nobody else can use it:
// whoever else could read the key could mint any token the server accepts,
// admin's included, and whoever could write the file or the directory could
// plant their own key.
//
// As OpenSSH does for a private key and its directory, the file must have
// no group or other bits at all, and the directory no group or other write
// bit: a directory others may only list or search (0755, which is also what
// testing.T.TempDir makes) exposes no more than the name of a file they
// cannot open.
func checkPrivate(path string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := os.Getuid(); int64(st.Uid) != int64(uid) {
			if fi.IsDir() {
				return fmt.Errorf("directory %s is owned by uid %d, not by uid %d running this process, which cannot trust a key kept there: remove it, or use a directory of your own", path, st.Uid, uid)
			}
			return fmt.Errorf("key file %s is owned by uid %d, not by uid %d running this process, which cannot trust it: remove it (a new key is made at the next start)", path, st.Uid, uid)
		}
	}
	perm := fi.Mode().Perm()
	switch {
	case fi.IsDir() && perm&0o022 != 0:
		return fmt.Errorf("directory %s is writable by other users (mode %04o), who could plant or replace the key kept there: run `chmod 700 %s` if it is yours and holds nothing planted, else remove it", path, perm, path)
	case !fi.IsDir() && perm&0o077 != 0:
		return fmt.Errorf("key file %s is accessible to other users (mode %04o), who could read or replace it: remove it (a new key is made at the next start), or run `chmod 600 %s` if nobody else can have read it", path, perm, path)
	}
	return nil
}

//go:build !linux

package redistest

import (
	"os"
	"os/exec"
)

func setProcAttr(cmd *exec.Cmd) {}

func killProcess(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// Freeze and Thaw need signals this platform may not have.
var sigStop, sigCont os.Signal

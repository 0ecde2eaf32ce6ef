//go:build !linux

package testproc

import (
	"os"
	"os/exec"
)

// SetProcAttr does nothing here.
func SetProcAttr(cmd *exec.Cmd) {}

// Kill kills cmd's process.
func Kill(cmd *exec.Cmd) error { return cmd.Process.Kill() }

// SigStop and SigCont are nil: this platform may not have them.
var SigStop, SigCont os.Signal

//go:build !linux

package dynamotest

import "os/exec"

func setProcAttr(cmd *exec.Cmd) {}

func killProcess(cmd *exec.Cmd) error { return cmd.Process.Kill() }

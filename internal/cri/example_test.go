package cri_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/periscope-otel/periscope/internal/cri"
)

func ExampleReader() {
	file := strings.NewReader("2024-05-01T10:00:00.5Z stdout F [INFO] plugin/reload: Running configuration\n" +
		"2024-05-01T10:00:01Z stderr P a message the runtime \n" +
		"2024-05-01T10:00:01.000000002Z stderr F split in two\n" +
		"not a CRI line\n")
	r := cri.NewReader("/var/log/pods/kube-system_coredns-7db6d8ff4d-abcde_0a1b2c3d-4e5f-6789-abcd-ef0123456789/coredns/0.log")
	err := r.Read(context.Background(), file, func(logs plog.Logs) error {
		for _, rl := range logs.ResourceLogs().All() {
			pod, _ := rl.Resource().Attributes().Get("k8s.pod.name")
			for _, lr := range rl.ScopeLogs().At(0).LogRecords().All() {
				stream, _ := lr.Attributes().Get("log.iostream")
				offset, _ := lr.Attributes().Get("log.file.record_offset")
				t := "no time"
				if lr.Timestamp() != 0 {
					t = lr.Timestamp().AsTime().Format(time.RFC3339Nano)
				}
				fmt.Printf("pod %q, offset %d, %s, %s: %q\n", pod.Str(), offset.Int(), t, stream.Str(), lr.Body().Str())
			}
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// pod "coredns-7db6d8ff4d-abcde", offset 0, 2024-05-01T10:00:00.5Z, stdout: "[INFO] plugin/reload: Running configuration"
	// pod "coredns-7db6d8ff4d-abcde", offset 76, 2024-05-01T10:00:01Z, stderr: "a message the runtime split in two"
	// pod "", offset 182, no time, : "not a CRI line"
}

func ExampleParse() {
	l, err := cri.Parse([]byte("2024-05-01T10:00:00.123456789Z stderr P a message the runtime "))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Time, l.Stream, l.Partial(), fmt.Sprintf("%q", l.Message))

	_, err = cri.Parse([]byte("panic: not a CRI line"))
	fmt.Println(err)
	// Output:
	// 2024-05-01 10:00:00.123456789 +0000 UTC stderr true "a message the runtime "
	// not a CRI log line: no stdout or stderr stream after the time
}

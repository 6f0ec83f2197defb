// Package cri reads the log files the kubelet writes for containers
// (/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log, one
// "<time> <stdout|stderr> <P|F> <message>" line each) into OpenTelemetry log
// records.
//
// The records are the ones the contrib filelog receiver produces for the
// same file with the configuration Periscope uses,
//
//	start_at: beginning
//	include_file_path: true
//	include_file_name: false
//	include_file_record_offset: true
//	preserve_trailing_whitespaces: true
//	operators: [{type: container}]
//
// field for field, except the observed timestamp: the same body, timestamp,
// attributes (log.file.path, log.file.record_offset, log.iostream, logtag)
// and resource (k8s.namespace.name, k8s.pod.name, k8s.pod.uid,
// k8s.container.name, k8s.container.restart_count, from the path), the same
// joining of the lines a runtime split ("P") into one record with the first
// line's time, offset, tag and stream, and the same treatment of what is not
// a CRI line: a line the operator cannot parse becomes a record of its own,
// as filelog read it, without a time or resource, as the operator's default
// on_error ("send") passes it on; a line starting with "{" is read as
// Docker's json-file format, as the operator does. README.md in testdata
// lists the cases.
//
// It is written by hand, not built from the contrib operator, for the
// one-shot path that reads a whole file and streams it downstream: the
// operator (regular expressions, an entry map per line, an expression
// evaluated per line to join, two batching goroutines) is the reference,
// and the tests hold this package to it record for record, on fixtures,
// generated files and fuzzed input; this package makes records about twenty
// times faster (see BenchmarkReader) and keeps only one message in flight.
//
// Reader reads one file's content; what filelog does across files and
// polls (finding files, telling them apart by fingerprint, checkpoints,
// rotation) is the caller's. Parse splits one line, for other uses.
package cri

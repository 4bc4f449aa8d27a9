#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq and container scripts are in single quotes; helpers run through check
# --log FILE with --log-format json|text, and --debug: the JSON lines podman and
# containerd read ({"level":..., "msg":..., "time":...}), errors from the container's
# side included.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# valid_json_lines FILE: every line of FILE is a JSON object with string level, msg
# and time (RFC 3339, UTC).
valid_json_lines() {
	[ -s "$1" ] && jq -se 'length > 0 and all(.[];
		type == "object"
		and (.level | type == "string")
		and (.msg | type == "string")
		and (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")))' "$1" >/dev/null
}

L=$T/log.json
check_error "a failing command with --log --log-format json still prints its error" "does not exist" \
	nook --log "$L" --log-format json state nosuch
check "the log file has JSON lines with level, msg and time" valid_json_lines "$L"
check "the error is logged at level error with the message" \
	jq -se 'any(.[]; .level == "error" and (.msg | contains("does not exist")))' "$L"
check "one error is logged once" jq -se '[.[] | select(.level == "error")] | length == 1' "$L"
check_error "a second failing command" "does not exist" nook --log "$L" --log-format json kill nosuch
check "the log file is appended to, not truncated" \
	jq -se '[.[] | select(.level == "error")] | length == 2' "$L"
check "still only valid JSON lines" valid_json_lines "$L"

L=$T/log.txt
check_error "--log with the default text format" "does not exist" nook --log "$L" state nosuch
check "the text log has the message" grep -q "does not exist" "$L"
check_error "--log-format text" "does not exist" nook --log "$L" --log-format text delete nosuch
is "the text log has one line per error" "$(grep -c "does not exist" "$L")" 2

# An error that happens inside the container's init reaches the log too.
B=$T/noexec
make_bundle "$B" /bin/nosuch || bail "make a bundle"
L=$T/noexec.json
check_error "run of a missing executable" "/bin/nosuch" nook --log "$L" --log-format json run -b "$B" noexec
check "the log has the container's error" \
	jq -se 'any(.[]; .level == "error" and (.msg | contains("/bin/nosuch")))' "$L"
check "valid JSON lines after a container error" valid_json_lines "$L"
assert_nothing_left noexec

# --debug
B=$T/debug
make_bundle "$B" sh -c 'echo debug-run' || bail "make a bundle"
L=$T/debug.json
check_output "run with --debug --log --log-format json" debug-run \
	nook --debug --log "$L" --log-format json run -b "$B" debug
check "--debug logs what run does, at level debug" jq -se 'any(.[]; .level == "debug")' "$L"
if [ -s "$L" ]; then
	check "--debug: valid JSON lines" valid_json_lines "$L"
fi
assert_nothing_left debug
L=$T/nodebug.json
check_output "run without --debug" debug-run nook --log "$L" --log-format json run -b "$B" debug
if [ -s "$L" ]; then
	check "without --debug nothing is logged at level debug" jq -se 'all(.[]; .level != "debug")' "$L"
else
	ok "without --debug nothing is logged at level debug"
fi
assert_nothing_left debug

# A log file that cannot be opened is an error, not silence.
check_error "--log in a directory that does not exist" "$T/no/such/dir/log" \
	nook --log "$T/no/such/dir/log" --log-format json list

# A JSON message with characters that need escaping stays valid JSON.
L=$T/escape.json
check_error "an id with a quote and a backslash" "container id" nook --log "$L" --log-format json state '.a"b\c'
check "messages with quotes and backslashes are escaped" valid_json_lines "$L"

done_testing

#!/bin/bash
# The bash completion of nook (completion/nook.bash), as `make install` installs it:
# commands and options come from nook's own --help, container ids from the --root given
# on the command line, signal names after kill's id, values of the global options.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

# shellcheck source=completion/nook.bash
. "$SRCDIR/completion/nook.bash" || bail "source completion/nook.bash"
mkdir -p "$T/bin" && ln -s "$NOOK" "$T/bin/nook"
PATH=$T/bin:$PATH

# complete WORDS...: the completions bash would offer for the command line WORDS (the
# last word is the one being completed), one line.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_nook
	printf '%s\n' "${COMPREPLY[*]}"
}

is "complete -F _nook nook is registered" "$(complete -p nook)" "complete -F _nook nook"
like "the commands" "$(complete_words nook "")" '^create start state kill delete run exec list ps spec features pause resume update events checkpoint restore help$'
is "a command by its prefix" "$(complete_words nook de)" delete
is "global options" "$(complete_words nook --log)" "--log --log-format"
is "--log-format's values" "$(complete_words nook --log-format "")" "text json"
like "exec's options, from nook exec --help" "$(complete_words nook exec --)" \
	'(^| )--tty .*--process .*--console-socket( |$)'
is "list --format's values" "$(complete_words nook list --format "")" "table json"

make_bundle "$T/c1" || bail "make a bundle"
check "create c1" nook create -b "$T/c1" c1
is "container ids of the --root given" "$(complete_words nook --root "$ROOT" kill "")" c1
is "no ids from another root" "$(complete_words nook --root "$T/empty" kill "")" ""
is "signal names after kill's id" "$(complete_words nook --root "$ROOT" kill c1 US)" "USR1 USR2"
is "an option's value is not the id (exec -g, from its --help)" \
	"$(complete_words nook --root "$ROOT" exec -g 5 --cwd / "")" c1
is "nothing after start's one id" "$(complete_words nook --root "$ROOT" start c1 "")" ""
check "delete --force c1" nook delete --force c1
assert_nothing_left c1
done_testing

# bash completion for nook(8), the OCI runtime.
# Commands and options are read from `nook --help` and `nook COMMAND --help`, so they
# follow the binary; container ids come from `nook [--root DIR] list -q`.
# shellcheck shell=bash disable=SC2207 # COMPREPLY=( $(compgen ...) ) is the idiom

# _nook_help_options ARGS...: the long and short options that `nook ARGS --help` lists.
_nook_help_options() {
	"$1" "${@:2}" --help 2>/dev/null |
		sed -nE 's/^ {2,}(-[a-zA-Z], )?(--[a-z0-9-]+).*/\1\2/p' | tr ' ,' '\n\n' | sed '/^$/d'
}

# _nook_valued_options ARGS...: the options of `nook ARGS --help` that take a value (those
# shown with an upper-case placeholder: "-b, --bundle DIR").
_nook_valued_options() {
	"$1" "${@:2}" --help 2>/dev/null | grep -oE '(-[a-zA-Z], )?--[a-z0-9-]+ [A-Z]' |
		sed -E 's/ [A-Z]$//; s/, /\n/'
}

_nook() {
	local cur prev words cword
	if declare -F _init_completion >/dev/null; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local nook=${words[0]} root=() cmd='' cmd_at=0 i w

	# The global options before the command; --root matters for the ids.
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		--root) root=(--root "${words[i + 1]}") && i=$((i + 1)) ;;
		--root=*) root=(--root "${w#--root=}") ;;
		--log | --log-format | --cgroup-manager | --rootless | --criu) i=$((i + 1)) ;;
		-*) ;;
		*) cmd=$w && cmd_at=$i && break ;;
		esac
	done

	case $prev in
	--root | -b | --bundle | --cwd | --image-path | --work-path | --parent-path)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--log | --pid-file | --console-socket | -p | --process | -r | --resources)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")) && return ;;
	--cgroup-manager) COMPREPLY=($(compgen -W "cgroupfs disabled" -- "$cur")) && return ;;
	--rootless) COMPREPLY=($(compgen -W "true false auto" -- "$cur")) && return ;;
	-f | --format) [ "$cmd" = list ] && COMPREPLY=($(compgen -W "table json" -- "$cur")) && return ;;
	esac

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_nook_help_options "$nook")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$nook" --help 2>/dev/null |
				sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p')" -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_nook_help_options "$nook" "$cmd")" -- "$cur"))
		return
	fi

	# The positional arguments after the command (options and their values skipped).
	local npos=0 valued
	valued=" $(_nook_valued_options "$nook" "$cmd" | tr '\n' ' ') "
	for ((i = cmd_at + 1; i < cword; i++)); do
		case ${words[i]} in
		-*) [[ $valued != *" ${words[i]} "* ]] || i=$((i + 1)) ;;
		*) npos=$((npos + 1)) ;;
		esac
	done
	case $cmd in
	create | run | list | spec | features) return ;; # a new id, or none
	kill)
		if [ "$npos" = 1 ]; then
			COMPREPLY=($(compgen -W "TERM KILL INT HUP QUIT USR1 USR2 STOP CONT WINCH" -- "$cur"))
			return
		fi
		;;
	*) [ "$npos" = 0 ] || return ;; # one id
	esac
	COMPREPLY=($(compgen -W "$("$nook" "${root[@]}" list -q 2>/dev/null)" -- "$cur"))
}
complete -F _nook nook

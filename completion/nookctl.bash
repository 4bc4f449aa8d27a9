# bash completion for nookctl(8)
# shellcheck shell=bash disable=SC2207

_nookctl_ctids() {
	local home_args=()
	[ -n "${_nookctl_home:-}" ] && home_args=(--home "$_nookctl_home")
	nookctl "${home_args[@]}" list -a -H -o ctid 2>/dev/null
	nookctl "${home_args[@]}" list -a -H -o name 2>/dev/null | grep -v '^-$'
}

_nookctl_templates() {
	local home_args=()
	[ -n "${_nookctl_home:-}" ] && home_args=(--home "$_nookctl_home")
	nookctl "${home_args[@]}" template list 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_nookctl() {
	local cur prev words cword
	_init_completion || return

	local commands="create set start stop restart suspend chkpnt resume status mount umount destroy exec enter console list stats template backup restore migrate receive doctor"
	local globals="--home --root --cgroup-parent --debug --help --version"
	local ct_opts="--ipadd --hostname --name --ram --swap --cpus --cpulimit --cpuunits --numproc
		--cpumask --nodemask --iolimit --iopslimit --ioprio --diskspace --diskinodes --procfs --sync --onboot --bridge --routed --nameserver --searchdomain --description --devices --jobs --help"
	local i cmd= _nookctl_home=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--home) _nookctl_home=${words[i + 1]}; ((i++)) ;;
		--root | --cgroup-parent) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [ -z "$cmd" ]; then
		case $prev in
		--home | --root) _filedir -d; return ;;
		--cgroup-parent) return ;;
		esac
		COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
		return
	fi

	case $prev in
	--ostemplate) COMPREPLY=($(compgen -W "$(_nookctl_templates)" -- "$cur")); return ;;
	--onboot) COMPREPLY=($(compgen -W "yes no" -- "$cur")); return ;;
	--ioprio) COMPREPLY=($(compgen -W "0 1 2 3 4 5 6 7" -- "$cur")); return ;;
	--procfs) COMPREPLY=($(compgen -W "lxcfs host auto" -- "$cur")); return ;;
	--sync) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
	--cpumask) COMPREPLY=($(compgen -W "all $(cat /sys/devices/system/cpu/online 2>/dev/null)" -- "$cur")); return ;;
	--nodemask) COMPREPLY=($(compgen -W "all $(cat /sys/devices/system/node/online 2>/dev/null)" -- "$cur")); return ;;
	--bridge | --routed) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--capability)
		COMPREPLY=($(compgen -W "CAP_SYS_TIME:on CAP_SYS_ADMIN:on CAP_NET_ADMIN:off CAP_SYS_PTRACE:on" -- "$cur"))
		return ;;
	-o | --output | -s | --sort)
		COMPREPLY=($(compgen -W "$(nookctl list -L 2>/dev/null | awk '{ print $1 }')" -- "$cur"))
		return ;;
	--ipadd | --ipdel | --hostname | --name | --ram | --swap | --cpus | --cpulimit | --cpuunits | \
		--numproc | --nameserver | --searchdomain | --description | --userpasswd | --timeout | --devices | \
		--iolimit | --iopslimit | --diskspace | --diskinodes | -j | --jobs | --for | --ssh | \
		--remote-home | --remote-nookctl)
		return ;;
	esac

	local opts
	case $cmd in
	create) opts="--ostemplate $ct_opts" ;;
	set) opts="$ct_opts --ipdel --userpasswd --capability --save" ;;
	start) opts="--all-onboot --jobs --help" ;;
	stop | restart) opts="--fast --timeout --jobs --help" ;;
	destroy) opts="--force --jobs --help" ;;
	mount | umount | suspend | chkpnt | resume) opts="--jobs --help" ;;
	migrate) opts="--online --keep-src --ssh --remote-home --remote-nookctl --help" ;;
	exec) opts="--barrier --jobs --help" ;;
	console) opts="--no-follow --help" ;;
	list) opts="--all --stopped --no-header --output --sort --json --list-fields --help" ;;
	stats) opts="--json --help" ;;
	doctor)
		COMPREPLY=($(compgen -W "--for --ostemplate --tune --help" -- "$cur"))
		return ;;
	template)
		case $prev in
		template) COMPREPLY=($(compgen -W "create import export list remove checksum" -- "$cur")) ;;
		remove | export | checksum) COMPREPLY=($(compgen -W "$(_nookctl_templates)" -- "$cur")) ;;
		--debootstrap) COMPREPLY=($(compgen -W "bookworm trixie bullseye" -- "$cur")) ;;
		--variant) COMPREPLY=($(compgen -W "minbase buildd fakechroot" -- "$cur")) ;;
		*)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--debootstrap --variant --include --help" -- "$cur"))
			else
				_filedir
			fi ;;
		esac
		return ;;
	backup | restore)
		if [[ $prev == "$cmd" ]]; then
			COMPREPLY=($(compgen -W "$(_nookctl_ctids)" -- "$cur"))
		else
			_filedir
		fi
		return ;;
	*) opts="--help" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_nookctl_ctids)" -- "$cur"))
	fi
}
complete -F _nookctl nookctl

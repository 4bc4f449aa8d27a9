/* The default seccomp profile of `nook spec`: oci/seccomp-default.json as one
 * NUL-terminated string, nook_seccomp_default_json (see oci_seccomp_default_profile_json()).
 *
 * The profile is Docker's and podman's default (an allow-list: everything else fails
 * with EPERM) in plain OCI form, resolved for the capabilities `nook spec` grants
 * (AUDIT_WRITE, KILL, NET_BIND_SERVICE): the rules Docker enables for CAP_SYS_ADMIN,
 * CAP_SYS_PTRACE, CAP_SYS_TIME and the like are left out, clone may not create
 * namespaces and clone3 fails with ENOSYS (its flags are out of seccomp's reach, so
 * libc falls back to clone).  ptrace and process_vm_* are allowed, as Docker does on
 * kernels from 4.8.  One list serves x86 and arm: names a host does not know are
 * skipped when the filter is built.
 *
 * NOOK_SECCOMP_DEFAULT_JSON is the JSON file's absolute path, given by Makefile.am. */
	.section .rodata
	.globl	nook_seccomp_default_json
	.type	nook_seccomp_default_json, %object
nook_seccomp_default_json:
	.incbin	NOOK_SECCOMP_DEFAULT_JSON
	.byte	0
	.size	nook_seccomp_default_json, . - nook_seccomp_default_json
	.section .note.GNU-stack, "", %progbits

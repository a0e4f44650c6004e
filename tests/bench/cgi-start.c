/*
 * The start time of a CGI program: run it N times as a web server would
 * (fork, exec with the CGI variables, read its answer, wait), and print
 * "median-ms p95-ms status" of the wall time of each run.
 *
 *   cgi-start N PROGRAM METHOD URI [NAME=VALUE...]
 *
 * The extra NAME=VALUE pairs join the program's environment (settings).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static int
cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	char		*envp[64], method[64], uri[512], buf[4096];
	char		*args[2];
	double		*t, t0;
	int		 n, i, k, fds[2], status = 0, code = 0;
	pid_t		 pid;
	ssize_t		 r;

	if (argc < 5 || (n = atoi(argv[1])) < 1 || n > 100000 || argc > 60) {
		fprintf(stderr, "usage: cgi-start N PROGRAM METHOD URI [NAME=VALUE...]\n");
		return 2;
	}
	snprintf(method, sizeof(method), "REQUEST_METHOD=%s", argv[3]);
	snprintf(uri, sizeof(uri), "REQUEST_URI=%s", argv[4]);
	k = 0;
	envp[k++] = method;
	envp[k++] = uri;
	envp[k++] = (char *)"GATEWAY_INTERFACE=CGI/1.1";
	envp[k++] = (char *)"SERVER_PROTOCOL=HTTP/1.1";
	envp[k++] = (char *)"REMOTE_ADDR=127.0.0.1";
	envp[k++] = (char *)"HTTP_HOST=127.0.0.1";
	for (i = 5; i < argc; i++)
		envp[k++] = argv[i];
	envp[k] = NULL;
	args[0] = argv[2];
	args[1] = NULL;
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if (pipe(fds) == -1)
			return 1;
		t0 = now_ms();
		if ((pid = fork()) == -1)
			return 1;
		if (pid == 0) {
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			close(fds[1]);
			execve(argv[2], args, envp);
			_exit(127);
		}
		close(fds[1]);
		while ((r = read(fds[0], buf, sizeof(buf) - 1)) > 0)
			if (i == 0 && code == 0) {
				buf[r] = '\0';
				if (strncmp(buf, "Status: ", 8) == 0)
					code = atoi(buf + 8);
			}
		close(fds[0]);
		waitpid(pid, &status, 0);
		t[i] = now_ms() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "cgi-start: %s failed\n", argv[2]);
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.2f %.2f %d\n", t[n / 2], t[(n * 95) / 100], code);
	free(t);
	return 0;
}

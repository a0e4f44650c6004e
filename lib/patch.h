/*
 * The staff fields' shapes: the PATCH's checks and merges, one pair per
 * field a PATCH may send, named by lib/jobs.c's field table; and a new
 * job's checklist.  Pure JSON: nothing here
 * touches the database or reads the clock.
 */
#ifndef PATCH_H
#define PATCH_H

#include <stddef.h>

#include <json-c/json.h>

/*
 * statusHistory keeps this many entries, and a marker before them that
 * counts the older ones dropped ({"dropped":n,…}; SPEC, "Bounded growth").
 */
#define PATCH_HISTORY_MAX	 200

/* Who makes a PATCH and when: what the merges stamp. */
struct patch_ctx {
	const char	*user;		/* NULL without a login */
	char		 now[32];	/* RFC 3339 */
};

/*
 * A check: 0 when v (borrowed; NULL is JSON null) has the field's shape,
 * else -1 with a message for the person in err.
 */
typedef int	 patch_check_fn(struct json_object *v, char *err,
		    size_t errsz);

/*
 * A merge: put the checked value v of field key into job (as jobs_load
 * gives it; v is borrowed and copied), stamping who and when from ctx
 * where the field keeps them.  Returns 1 if job changed, 0 if not, -1
 * with err set (e.g. an unknown checklist key).
 */
typedef int	 patch_merge_fn(struct json_object *job, const char *key,
		    struct json_object *v, const struct patch_ctx *ctx,
		    char *err, size_t errsz);

patch_check_fn	 patch_check_work_status;	/* one of the six */
patch_check_fn	 patch_check_checklist;		/* {"tech":[{key,done}]} */
patch_check_fn	 patch_check_issue;		/* {description,resolved} */
patch_check_fn	 patch_check_payment;		/* {status,method,…} */
patch_check_fn	 patch_check_vehicle;		/* {make,…,year,…} */
patch_check_fn	 patch_check_notes;		/* a string, bounded */

patch_merge_fn	 patch_merge_work_status;	/* + a statusHistory entry,
						   bounded */
patch_merge_fn	 patch_merge_checklist;		/* items by key, stamped */
patch_merge_fn	 patch_merge_payment;		/* paidAt by the server */
patch_merge_fn	 patch_merge_issue;		/* reported/resolved stamps */
patch_merge_fn	 patch_merge_vehicle;		/* members given only */
patch_merge_fn	 patch_merge_replace;		/* the value as sent */

/*
 * A new job's checklist from templates (a JSON object of service type →
 * {"tech":[{key,label,labels?}],"qc":[…]}, "*" the default; borrowed) for
 * service (NULL: the default), as JSON text: every item not done.  Owned
 * by the caller; NULL if out of memory.
 */
char	*patch_checklist_new(struct json_object *templates,
	    const char *service);

/* Member key of o (borrowed), or NULL (also when o is NULL). */
struct json_object *patch_member(struct json_object *o, const char *key);
/* Whether o is of type t (NULL is json_type_null). */
int	 patch_is_type(struct json_object *o, json_type t);
/* Set member key of o to a deep copy of v (NULL: null). */
void	 patch_set_copy(struct json_object *o, const char *key,
	    struct json_object *v);

#endif

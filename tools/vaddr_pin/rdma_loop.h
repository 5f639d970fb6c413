/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A loopback RC connection on one RDMA device (rxe0 in the guest): two QPs
 * of one PD connected to each other, and RDMA WRITE from the first to a
 * memory region by its rkey, waiting for the completion.  For the demo and
 * the RDMA selftests; link with -libverbs.
 */
#ifndef __VADDR_PIN_RDMA_LOOP_H
#define __VADDR_PIN_RDMA_LOOP_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <infiniband/verbs.h>

#define RDMA_LOOP_PORT		1
#define RDMA_LOOP_TIMEOUT_S	10	/* for one completion */

struct rdma_loop {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];	/* qp[0] writes, qp[1] is its peer */
	union ibv_gid gid;
	int gid_index;
	uint64_t last_wr_id;	/* of the last write posted */
};

static inline int rdma_loop_modify(struct rdma_loop *rl, int i,
				   enum ibv_qp_state state)
{
	struct ibv_qp_attr attr = { .qp_state = state };
	int mask = IBV_QP_STATE;

	switch (state) {
	case IBV_QPS_INIT:
		attr.port_num = RDMA_LOOP_PORT;
		attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				       IBV_ACCESS_REMOTE_WRITE |
				       IBV_ACCESS_REMOTE_READ;
		mask |= IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS;
		break;
	case IBV_QPS_RTR:
		attr.path_mtu = IBV_MTU_1024;
		attr.dest_qp_num = rl->qp[!i]->qp_num;
		attr.max_dest_rd_atomic = 1;
		attr.min_rnr_timer = 12;
		attr.ah_attr.is_global = 1;
		attr.ah_attr.grh.dgid = rl->gid;
		attr.ah_attr.grh.sgid_index = rl->gid_index;
		attr.ah_attr.grh.hop_limit = 1;
		attr.ah_attr.port_num = RDMA_LOOP_PORT;
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			IBV_QP_MIN_RNR_TIMER;
		break;
	case IBV_QPS_RTS:
		attr.timeout = 14;
		attr.retry_cnt = 7;
		attr.rnr_retry = 7;
		attr.max_rd_atomic = 1;
		mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC;
		break;
	default:
		break;
	}
	return ibv_modify_qp(rl->qp[i], &attr, mask);
}

/* Bring both QPs from any state to RTS, connected to each other. */
static inline int rdma_loop_connect(struct rdma_loop *rl)
{
	static const enum ibv_qp_state path[] = {
		IBV_QPS_RESET, IBV_QPS_INIT, IBV_QPS_RTR, IBV_QPS_RTS,
	};
	unsigned int s;
	int i;

	for (s = 0; s < sizeof(path) / sizeof(path[0]); s++)
		for (i = 0; i < 2; i++)
			if (rdma_loop_modify(rl, i, path[s]))
				return -1;
	return 0;
}

/* Open RDMA device @name; NULL with errno (ENODEV: none such) on failure. */
static inline struct ibv_context *rdma_open_device(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i] && !ctx; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx && !errno)
		errno = ENODEV;
	return ctx;
}

/* Create the two QPs and connect them; -1 on failure. */
static inline int rdma_loop_create_qps(struct rdma_loop *rl)
{
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC,
		.send_cq = rl->cq, .recv_cq = rl->cq,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	int i;

	for (i = 0; i < 2; i++) {
		rl->qp[i] = ibv_create_qp(rl->pd, &init);
		if (!rl->qp[i])
			return -1;
	}
	return rdma_loop_connect(rl);
}

/*
 * After a work request failed: new QPs, connected.  Reconnecting the old
 * ones is not enough, as packets of the failed write may still be on their
 * way to them; QPs with new numbers never see those.
 */
static inline int rdma_loop_renew(struct rdma_loop *rl)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (rl->qp[i])
			ibv_destroy_qp(rl->qp[i]);
		rl->qp[i] = NULL;
	}
	return rdma_loop_create_qps(rl);
}

/* Open device @name and connect the loop; -1 with errno on failure. */
static inline int rdma_loop_open(struct rdma_loop *rl, const char *name)
{
	memset(rl, 0, sizeof(*rl));
	errno = 0;
	rl->ctx = rdma_open_device(name);
	if (!rl->ctx)
		return -1;
	/* The first GID the port has (rxe: from dummy0's address). */
	for (rl->gid_index = 0; rl->gid_index < 16; rl->gid_index++)
		if (!ibv_query_gid(rl->ctx, RDMA_LOOP_PORT, rl->gid_index,
				   &rl->gid) &&
		    (rl->gid.global.subnet_prefix || rl->gid.global.interface_id))
			break;
	rl->pd = ibv_alloc_pd(rl->ctx);
	rl->cq = rl->pd ? ibv_create_cq(rl->ctx, 32, NULL, NULL, 0) : NULL;
	if (!rl->cq || rl->gid_index == 16)
		return -1;
	return rdma_loop_create_qps(rl);
}

static inline void rdma_loop_close(struct rdma_loop *rl)
{
	int i;

	for (i = 0; i < 2; i++)
		if (rl->qp[i])
			ibv_destroy_qp(rl->qp[i]);
	if (rl->cq)
		ibv_destroy_cq(rl->cq);
	if (rl->pd)
		ibv_dealloc_pd(rl->pd);
	if (rl->ctx)
		ibv_close_device(rl->ctx);
}

/*
 * RDMA WRITE @len bytes at @src (in @src_mr) to @remote_addr of the MR
 * with @rkey, and wait for its completion: 0 and *@status, or -1 if the
 * post failed or no completion came in time.
 */
static inline int rdma_loop_write(struct rdma_loop *rl, struct ibv_mr *src_mr,
				  void *src, uint32_t len,
				  uint64_t remote_addr, uint32_t rkey,
				  enum ibv_wc_status *status)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)src, .length = len, .lkey = src_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = remote_addr, .rkey = rkey },
	}, *bad;
	time_t end = time(NULL) + RDMA_LOOP_TIMEOUT_S;
	struct ibv_wc wc;
	int n;

	*status = IBV_WC_GENERAL_ERR;
	wr.wr_id = ++rl->last_wr_id;
	if (ibv_post_send(rl->qp[0], &wr, &bad))
		return -1;
	/* Its own completion: one left by an earlier QP is skipped. */
	do {
		while (!(n = ibv_poll_cq(rl->cq, 1, &wc)) &&
		       time(NULL) < end)
			;
	} while (n == 1 && wc.wr_id != wr.wr_id);
	if (n != 1)
		return -1;
	*status = wc.status;
	return 0;
}

#endif /* __VADDR_PIN_RDMA_LOOP_H */

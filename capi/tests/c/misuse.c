/* Every bad use of the library from C gets libvmaf's error code, never a crash:
 * NULL pointers, pictures of the wrong size, depth or origin, reading after the
 * flush or after close, models that do not exist, and handles used after they were
 * freed. Then one good run, so the bad calls are seen not to have broken anything.
 * Usage: misuse OUTPUT_DIR. Prints each check; exits 1 at the first failed one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libvmaf.h>

static int failures;

#define EXPECT(call, want) do { \
        int got_ = (call); \
        printf("%-70s -> %d\n", #call, got_); \
        if (got_ != (want)) { printf("  FAILED: wanted %d\n", (want)); failures++; } \
    } while (0)

static VmafConfiguration config(void)
{
    VmafConfiguration cfg = { .log_level = VMAF_LOG_LEVEL_NONE, .n_threads = 0, .n_subsample = 1 };
    return cfg;
}

/* A picture filled with a pattern that moves with `t`. */
static int picture(VmafPicture *pic, unsigned bpc, unsigned w, unsigned h, unsigned t)
{
    int err = vmaf_picture_alloc(pic, VMAF_PIX_FMT_YUV420P, bpc, w, h);
    if (err) return err;
    for (unsigned p = 0; p < 3; p++) {
        for (unsigned y = 0; y < pic->h[p]; y++) {
            for (unsigned x = 0; x < pic->w[p]; x++) {
                unsigned v = (x * 7 + y * 3 + t * 5 + p * 11) % (1u << (bpc > 8 ? 8 : bpc));
                if (bpc > 8) ((unsigned short *) ((char *) pic->data[p] + y * pic->stride[p]))[x] = (unsigned short) (v << (bpc - 8));
                else ((unsigned char *) pic->data[p] + y * pic->stride[p])[x] = (unsigned char) v;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    const int E = -EINVAL;
    VmafContext *vmaf = NULL;
    VmafModel *model = NULL;
    VmafModelConfig mcfg = { .name = "vmaf", .flags = VMAF_MODEL_FLAGS_DEFAULT };
    VmafPicture r, d, zero;
    double score = 0;
    memset(&zero, 0, sizeof(zero));

    /* NULL pointers. */
    EXPECT(vmaf_init(NULL, config()), E);
    EXPECT(vmaf_close(NULL), E);
    EXPECT(vmaf_read_pictures(NULL, NULL, NULL, 0), E);
    EXPECT(vmaf_use_feature(NULL, "psnr", NULL), E);
    EXPECT(vmaf_use_features_from_model(NULL, NULL), E);
    EXPECT(vmaf_picture_alloc(NULL, VMAF_PIX_FMT_YUV420P, 8, 64, 64), E);
    EXPECT(vmaf_picture_unref(NULL), E);
    EXPECT(vmaf_model_load(&model, NULL, "vmaf_v0.6.1"), E);
    EXPECT(vmaf_model_load(&model, &mcfg, NULL), E);
    EXPECT(vmaf_feature_dictionary_set(NULL, "k", "v"), E);
    EXPECT(vmaf_write_output(NULL, "x.json", VMAF_OUTPUT_FORMAT_JSON), E);

    /* Pictures libvmaf would not allocate, and pictures not ours. */
    EXPECT(vmaf_picture_alloc(&r, VMAF_PIX_FMT_UNKNOWN, 8, 64, 64), E);
    EXPECT(vmaf_picture_alloc(&r, 9, 8, 64, 64), E);
    EXPECT(vmaf_picture_alloc(&r, VMAF_PIX_FMT_YUV420P, 7, 64, 64), E);
    EXPECT(vmaf_picture_alloc(&r, VMAF_PIX_FMT_YUV420P, 17, 64, 64), E);
    EXPECT(vmaf_picture_alloc(&r, VMAF_PIX_FMT_YUV420P, 8, 0, 64), E);
    EXPECT(vmaf_picture_unref(&zero), E);
    VmafPicture forged = zero;
    forged.ref = (VmafRef *) &forged;
    EXPECT(vmaf_picture_unref(&forged), E);
    EXPECT(picture(&r, 8, 64, 64, 0), 0);
    VmafPicture copy = r;
    EXPECT(vmaf_picture_unref(&r), 0);
    EXPECT(vmaf_picture_unref(&copy), E); /* released already */

    /* Models that do not exist. */
    EXPECT(vmaf_model_load(&model, &mcfg, "vmaf_v9.9.9"), E);
    EXPECT(vmaf_model_load_from_path(&model, &mcfg, "/nonexistent/vmaf_v0.6.1.json"), E);
    EXPECT(vmaf_model_load_from_path(&model, &mcfg, argv[0]), E); /* a file, not a model */
    EXPECT(vmaf_model_load_from_path(&model, &mcfg, "/"), E);
    EXPECT(model == NULL, 1);

    /* Features that do not exist, options that do not. */
    EXPECT(vmaf_init(&vmaf, config()), 0);
    EXPECT(vmaf_use_feature(vmaf, "no_such_feature", NULL), E);
    EXPECT(vmaf_use_feature(vmaf, NULL, NULL), E);
    VmafFeatureDictionary *dict = NULL;
    EXPECT(vmaf_feature_dictionary_set(&dict, "no_such_option", "1"), 0);
    EXPECT(vmaf_use_feature(vmaf, "psnr", dict), E); /* and the dictionary is freed */

    /* A live handle of one kind passed as another. */
    VmafFeatureDictionary *other = NULL;
    EXPECT(vmaf_feature_dictionary_set(&other, "enable_chroma", "false"), 0);
    EXPECT(vmaf_close((VmafContext *) other), E);
    EXPECT(vmaf_feature_dictionary_free(&other), 0);
    EXPECT(other == NULL, 1);

    /* Scores before any picture. */
    EXPECT(vmaf_model_load(&model, &mcfg, "vmaf_v0.6.1"), 0);
    EXPECT(vmaf_use_features_from_model(vmaf, model), 0);
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_MEAN, &score, 0, 0), E);
    EXPECT(vmaf_read_pictures(vmaf, NULL, NULL, 0), E); /* a flush before any picture */
    EXPECT(vmaf_close(vmaf), 0);

    /* Pictures of the wrong size, depth or order. */
    EXPECT(vmaf_init(&vmaf, config()), 0);
    EXPECT(vmaf_use_features_from_model(vmaf, model), 0);
    EXPECT(picture(&r, 8, 64, 64, 0), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, NULL, 0), E);
    EXPECT(picture(&d, 8, 64, 64, 1), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 0), 0);
    EXPECT(r.ref == NULL && d.ref == NULL, 1); /* read pictures are taken over */
    EXPECT(picture(&r, 8, 64, 64, 1), 0);
    EXPECT(picture(&d, 8, 32, 32, 2), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 1), E); /* sizes differ */
    EXPECT(picture(&r, 8, 32, 32, 1), 0);
    EXPECT(picture(&d, 8, 32, 32, 2), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 1), E); /* not the first pictures' size */
    EXPECT(picture(&r, 10, 64, 64, 1), 0);
    EXPECT(picture(&d, 8, 64, 64, 2), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 1), E); /* depths differ */
    EXPECT(picture(&r, 8, 64, 64, 1), 0);
    EXPECT(picture(&d, 8, 64, 64, 2), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 5), E); /* out of order */
    EXPECT(vmaf_picture_unref(&r), 0); /* a failed read leaves them the caller's */
    EXPECT(vmaf_picture_unref(&d), 0);
    EXPECT(vmaf_read_pictures(vmaf, &zero, &zero, 1), E); /* not allocated here */
    EXPECT(picture(&r, 8, 64, 64, 1), 0);
    EXPECT(picture(&d, 8, 64, 64, 2), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 1), 0);

    /* Pooling and output arguments. */
    EXPECT(vmaf_read_pictures(vmaf, NULL, NULL, 0), 0);
    EXPECT(vmaf_read_pictures(vmaf, NULL, NULL, 0), E); /* flushed already */
    EXPECT(picture(&r, 8, 64, 64, 2), 0);
    EXPECT(picture(&d, 8, 64, 64, 3), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 2), E); /* read after the flush */
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_MEAN, NULL, 0, 1), E);
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_MEAN, &score, 1, 0), E);
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_UNKNOWN, &score, 0, 1), E);
    EXPECT(vmaf_score_pooled(vmaf, model, 77, &score, 0, 1), E);
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_MEAN, &score, 5, 9), E);
    EXPECT(vmaf_score_pooled(vmaf, model, VMAF_POOL_METHOD_MEAN, &score, 0, 1), 0);
    EXPECT(score >= 0 && score <= 100, 1);
    EXPECT(vmaf_feature_score_at_index(vmaf, "no_such_feature", &score, 0), E);
    EXPECT(vmaf_feature_score_at_index(vmaf, "integer_adm2", &score, 1), 0);
    EXPECT(vmaf_write_output(vmaf, "/nonexistent-dir/log.json", VMAF_OUTPUT_FORMAT_JSON), E);
    char path[4096];
    snprintf(path, sizeof(path), "%s/misuse.json", argv[1]);
    EXPECT(vmaf_write_output(vmaf, path, 42), E);
    EXPECT(vmaf_write_output(vmaf, path, VMAF_OUTPUT_FORMAT_JSON), 0);

    /* Handles used after they were freed. */
    EXPECT(vmaf_close(vmaf), 0);
    EXPECT(vmaf_close(vmaf), E);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 2), E);
    EXPECT(vmaf_picture_unref(&r), 0);
    EXPECT(vmaf_picture_unref(&d), 0);
    vmaf_model_destroy(model);
    EXPECT(vmaf_init(&vmaf, config()), 0);
    EXPECT(vmaf_use_features_from_model(vmaf, model), E);
    EXPECT(vmaf_feature_dictionary_free(&dict), E); /* freed by vmaf_use_feature */
    EXPECT(vmaf_close(vmaf), 0);

    /* Samples beyond the depth, and pictures too small to have chroma. */
    EXPECT(vmaf_init(&vmaf, config()), 0);
    EXPECT(vmaf_use_feature(vmaf, "psnr", NULL), 0);
    EXPECT(picture(&r, 10, 64, 64, 0), 0);
    EXPECT(picture(&d, 10, 64, 64, 0), 0);
    ((unsigned short *) d.data[0])[3] = 2000;
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 0), E);
    EXPECT(picture(&r, 8, 1, 1, 0), 0);
    EXPECT(picture(&d, 8, 1, 1, 0), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 0), E);
    EXPECT(vmaf_close(vmaf), 0);

    /* Closed without a flush: the worker is stopped and waited for. */
    EXPECT(vmaf_init(&vmaf, config()), 0);
    EXPECT(vmaf_use_feature(vmaf, "psnr", NULL), 0);
    EXPECT(picture(&r, 8, 64, 64, 0), 0);
    EXPECT(picture(&d, 8, 64, 64, 1), 0);
    EXPECT(vmaf_read_pictures(vmaf, &r, &d, 0), 0);
    EXPECT(vmaf_close(vmaf), 0);

    printf("%s\n", vmaf_version());
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}

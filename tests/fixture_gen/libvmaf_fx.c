#if defined(FEAT_VIF)
#include "feature/integer_vif.c"
#elif defined(FEAT_ADM)
#include "feature/integer_adm.c"
#else
#include "feature/integer_motion.c"
#endif
#include <stdlib.h>

static unsigned g_frame;
int vmaf_feature_collector_append_with_dict(VmafFeatureCollector *fc, VmafDictionary *d, const char *n, double s, unsigned i) {
    printf("%u %s %.17g\n", i, n, s); return 0; }
VmafDictionary *vmaf_feature_name_dict_from_provided_features(const char **pf, const VmafOption *o, void *s) { return (VmafDictionary*)1; }
int vmaf_dictionary_free(VmafDictionary **d) { return 0; }
VmafDictionaryEntry *vmaf_dictionary_get(VmafDictionary **d, const char *k, uint64_t f) { return 0; }
int vmaf_feature_collector_get_score(VmafFeatureCollector *fc, const char *n, double *s, unsigned i) { return -1; }
void *aligned_malloc(size_t size, size_t alignment) { void *p; if (posix_memalign(&p, alignment, size)) return 0; return p; }
void aligned_free(void *p) { free(p); }
unsigned vmaf_get_cpu_flags(void) { return 0; }

typedef struct { FILE *f; int w, h, bpc, cw, ch; long fbytes; } Y4m;
static int y4m_open(Y4m *y, const char *p) {
    y->f = fopen(p, "rb"); char line[4096]; if (!fgets(line, sizeof line, y->f)) return -1;
    y->bpc = 8; int sx = 1, sy = 1;
    for (char *t = strtok(line, " \n"); t; t = strtok(0, " \n")) {
        if (t[0] == 'W') y->w = atoi(t + 1);
        if (t[0] == 'H') y->h = atoi(t + 1);
        if (t[0] == 'C') { if (!strncmp(t+1,"422",3)) { sx=1; sy=0; } if (!strncmp(t+1,"444",3)) { sx=0; sy=0; }
            char *p2 = t + 4; if (*p2 == 0x70 && p2[1] >= 0x30 && p2[1] <= 0x39) y->bpc = atoi(p2 + 1); }
    }
    y->cw = (y->w + sx) >> sx; y->ch = (y->h + sy) >> sy;
    int bps = y->bpc > 8 ? 2 : 1;
    y->fbytes = (long)(y->w * y->h + 2 * y->cw * y->ch) * bps;
    return 0;
}
static int y4m_read(Y4m *y, void *luma) {
    char line[4096]; if (!fgets(line, sizeof line, y->f)) return 0;
    int bps = y->bpc > 8 ? 2 : 1;
    if (fread(luma, 1, (size_t)y->w * y->h * bps, y->f) != (size_t)y->w * y->h * bps) return 0;
    fseek(y->f, y->fbytes - (long)y->w * y->h * bps, SEEK_CUR);
    return 1;
}

int main(int argc, char **argv) {
    Y4m r, d; y4m_open(&r, argv[1]); y4m_open(&d, argv[2]);
    double egl = argc > 3 ? atof(argv[3]) : 100.0;
    int w = r.w, h = r.h, bpc = r.bpc, bps = bpc > 8 ? 2 : 1;
#if defined(FEAT_VIF)
    VifState s; memset(&s, 0, sizeof s); s.public.vif_enhn_gain_limit = egl;
#elif defined(FEAT_ADM)
    AdmState s; memset(&s, 0, sizeof s);
    s.adm_enhn_gain_limit = egl; s.adm_norm_view_dist = 3.0; s.adm_ref_display_height = 1080;
    s.adm_noise_weight = 0.03125; s.adm_csf_mode = 0; s.adm_csf_scale = 1.0; s.adm_csf_diag_scale = 1.0;
    s.adm_dlm_weight = 0.5; s.adm_skip_aim = false;
#else
    MotionState s; memset(&s, 0, sizeof s); s.motion_max_val = 10000; s.motion_fps_weight = 1.0;
    s.motion_blend_factor = 1.0; s.motion_blend_offset = 40.0;
#endif
    VmafFeatureExtractor fex; memset(&fex, 0, sizeof fex);
    fex.priv = &s; fex.provided_features = provided_features; fex.options = options;
    if (init(&fex, VMAF_PIX_FMT_YUV420P, bpc, w, h)) { printf("init failed\n"); return 1; }
    void *rb = malloc((size_t)w*h*bps), *db = malloc((size_t)w*h*bps), *pb = malloc((size_t)w*h*bps);
    for (unsigned i = 0; y4m_read(&r, rb) && y4m_read(&d, db); i++) {
        VmafPicture rp, dp; memset(&rp, 0, sizeof rp); memset(&dp, 0, sizeof dp);
        rp.data[0] = rb; dp.data[0] = db; rp.stride[0] = dp.stride[0] = w * bps;
        rp.w[0] = dp.w[0] = w; rp.h[0] = dp.h[0] = h; rp.bpc = dp.bpc = bpc;
        fex.prev_ref = rp; fex.prev_ref.data[0] = pb; fex.prev_ref.ref = (void*)1;
        extract(&fex, &rp, 0, &dp, 0, i, 0);
        memcpy(pb, rb, (size_t)w*h*bps);
    }
    return 0;
}

/* Prints the size and field offsets of every public struct (and the size of every
 * enumeration) of libvmaf's C interface, compiled against whichever header is on
 * the include path: libvmaf's own (what tests/data/libvmaf-3.2.0-layout.txt
 * records) or this library's. */
#include <stddef.h>
#include <stdio.h>
#include <libvmaf.h>

#define SIZE(T) printf("%s size %zu\n", #T, sizeof(T))
#define AT(T, F) printf("%s.%s offset %zu size %zu\n", #T, #F, offsetof(T, F), sizeof(((T *)0)->F))

int main(void)
{
    SIZE(enum VmafLogLevel);
    SIZE(enum VmafOutputFormat);
    SIZE(enum VmafPoolingMethod);
    SIZE(enum VmafPixelFormat);
    SIZE(enum VmafModelFlags);
    SIZE(enum VmafModelCollectionScoreType);

    SIZE(VmafConfiguration);
    AT(VmafConfiguration, log_level);
    AT(VmafConfiguration, n_threads);
    AT(VmafConfiguration, n_subsample);
    AT(VmafConfiguration, cpumask);
    AT(VmafConfiguration, gpumask);

    SIZE(VmafModelConfig);
    AT(VmafModelConfig, name);
    AT(VmafModelConfig, flags);

    SIZE(VmafPicture);
    AT(VmafPicture, pix_fmt);
    AT(VmafPicture, bpc);
    AT(VmafPicture, w);
    AT(VmafPicture, h);
    AT(VmafPicture, stride);
    AT(VmafPicture, data);
    AT(VmafPicture, ref);
    AT(VmafPicture, priv);

    SIZE(VmafModelCollectionScore);
    AT(VmafModelCollectionScore, type);
    AT(VmafModelCollectionScore, bootstrap);
    AT(VmafModelCollectionScore, bootstrap.bagging_score);
    AT(VmafModelCollectionScore, bootstrap.stddev);
    AT(VmafModelCollectionScore, bootstrap.ci.p95.lo);
    AT(VmafModelCollectionScore, bootstrap.ci.p95.hi);

    SIZE(VmafPictureConfiguration);
    AT(VmafPictureConfiguration, pic_params);
    AT(VmafPictureConfiguration, pic_params.w);
    AT(VmafPictureConfiguration, pic_params.h);
    AT(VmafPictureConfiguration, pic_params.bpc);
    AT(VmafPictureConfiguration, pic_params.pix_fmt);
    AT(VmafPictureConfiguration, pic_cnt);
    return 0;
}

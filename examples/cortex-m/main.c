/*
 * main.c - Cortex-M4 firmware: classifies the bundled test digits with the
 * bnnc-generated binarized CNN (xnor.c, built by bnnc_add_model) and prints
 * each prediction next to the label and PyTorch's prediction over
 * semihosting. Returns 0 when every prediction is PyTorch's.
 */
#include <stdio.h>
#include <string.h>

#include "test_images.h"
#include "xnor.h"

/* Inputs, outputs and the arena: the application owns all the memory. */
static float images[XNOR_INPUT0_COUNT];
static float logits[XNOR_OUTPUT0_COUNT];
static uint8_t arena[XNOR_ARENA_SIZE] __attribute__((aligned(XNOR_ARENA_ALIGN)));

int main(void) {
  const int batch = xnor_inputs[0].shape[0];
  const int classes = xnor_outputs[0].shape[1];
  const void *inputs[XNOR_NUM_INPUTS] = {images};
  void *outputs[XNOR_NUM_OUTPUTS] = {logits};
  int correct = 0, agree = 0;

  if (sizeof test_images.bytes != sizeof images) {
    printf("bundled images: %u bytes, model input: %u bytes\n",
           (unsigned)sizeof test_images.bytes, (unsigned)sizeof images);
    return 2;
  }
  memcpy(images, test_images.bytes, sizeof images);
  if (xnor_run_with_arena(inputs, outputs, arena) != BNNC_OK) {
    printf("xnor_run_with_arena failed\n");
    return 1;
  }
  printf("bnnc on Cortex-M4: arena %d bytes\n", XNOR_ARENA_SIZE);
  printf("image  label  PyTorch  bnnc C\n");
  for (int i = 0; i < batch; ++i) {
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (logits[i * classes + c] > logits[i * classes + best])
        best = c;
    correct += best == test_labels[i];
    agree += best == test_pytorch[i];
    printf("%5d  %5d  %7d  %6d\n", i, test_labels[i], test_pytorch[i], best);
  }
  printf("%d of %d correct; the binarized C agrees with PyTorch on %d of %d\n",
         correct, batch, agree, batch);
  return agree == batch ? 0 : 1;
}
